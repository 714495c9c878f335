package dev.nncj.runtime;

import dev.nncj.ProgressListener;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * A session's memory measured in a fresh JVM of its own, so that no earlier session's freed memory
 * is reused behind its back. In one process the C allocator keeps what a closed (or transient) ORT
 * allocation freed and hands it to the next session without the resident set growing: the second
 * model of {@link Benchmark#compare} reads low (the same int8 MiniLM file measured 49.6 MB first and
 * 33.5 MB second; bench/results/2026-11-28-bench-memory.md). The child runs {@link Benchmark#run} with one timed run under the same options (threads,
 * optimization, shapes) and prints its peak RSS growth.
 */
public final class IsolatedMemory {
    private static final long TIMEOUT_MINUTES = 10;

    private IsolatedMemory() {}

    /**
     * Peak resident-set growth of opening and running {@code model} in a child JVM on this class path;
     * empty when the child cannot run or measure (off Linux: {@link Benchmark}'s figure is -1 there).
     */
    public static OptionalLong measure(Path model, BenchmarkOptions options) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-cp", System.getProperty("java.class.path"), IsolatedMemory.class.getName()));
        command.addAll(arguments(model, options));
        try {
            Process child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            // waited for before reading: the child prints one line, far below a pipe's buffer, and a hung
            // child must not hang the caller
            if (!child.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES) || child.exitValue() != 0) {
                child.destroyForcibly();
                return OptionalLong.empty();
            }
            String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            long bytes = Long.parseLong(out.substring(out.lastIndexOf('\n') + 1).strip());
            return bytes < 0 ? OptionalLong.empty() : OptionalLong.of(bytes);
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalLong.empty();
        }
    }

    /** The options the child needs, in the order {@link #main} reads them. */
    static List<String> arguments(Path model, BenchmarkOptions o) {
        RuntimeOptions r = o.runtime();
        return List.of(model.toAbsolutePath().toString(), Integer.toString(o.batch()), Integer.toString(o.seqLen()),
                Integer.toString(o.warmupRuns()), Integer.toString(r.intraOpThreads()), Integer.toString(r.interOpThreads()),
                r.optimization().name(), r.execution().name(), Boolean.toString(r.spinning()),
                Integer.toString(o.vocabSize().orElse(0)));
    }

    static BenchmarkOptions options(List<String> a) {
        RuntimeOptions runtime = new RuntimeOptions(Integer.parseInt(a.get(4)), Integer.parseInt(a.get(5)),
                RuntimeOptions.Optimization.valueOf(a.get(6)), RuntimeOptions.Execution.valueOf(a.get(7)),
                Boolean.parseBoolean(a.get(8)));
        BenchmarkOptions options = BenchmarkOptions.defaults().withBatch(Integer.parseInt(a.get(1)))
                .withSeqLen(Integer.parseInt(a.get(2))).withWarmupRuns(Integer.parseInt(a.get(3))).withRuns(1).withRuntime(runtime);
        int vocab = Integer.parseInt(a.get(9));
        return vocab > 0 ? options.withVocabSize(vocab) : options;
    }

    /** The child: prints the peak RSS growth in bytes (-1 when it cannot be read). */
    public static void main(String[] args) {
        List<String> a = List.of(args);
        System.out.println(Benchmark.run(Path.of(a.get(0)), options(a), ProgressListener.NONE).peakMemoryBytes());
    }
}
