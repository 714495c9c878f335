package dev.nncj.cli;

import dev.nncj.onnx.OnnxFiles;
import dev.nncj.runtime.Benchmark;
import dev.nncj.runtime.BenchmarkOptions;
import dev.nncj.runtime.BenchmarkResult;
import dev.nncj.runtime.ComparisonResult;
import dev.nncj.runtime.MachineInfo;
import dev.nncj.runtime.OperatorProfile;
import dev.nncj.runtime.RuntimeOptions;
import dev.nncj.train.finetune.TrainingBenchmark;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure a model's speed and memory in ONNX Runtime.",
            "Latency, throughput and session memory, with ONNX Runtime in-process.",
            "With --compare, both models run interleaved in one process and the ratio of p50s is printed:",
            "this is how every speed claim in NNCJ is made."})
final class BenchCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", converter = ModelArgument.class, description = "the .onnx model")
    Path model;

    @Option(names = "--compare", paramLabel = "OTHER", description = "a second model, run interleaved with MODEL")
    Path other;

    @Option(names = "--batch", defaultValue = "1", description = "batch size (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--seq-len", defaultValue = "128", description = "sequence length (default ${DEFAULT-VALUE})")
    int seqLen;

    @Option(names = "--threads", defaultValue = "1", description = "ONNX Runtime intra-op threads (default ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--runs", defaultValue = "100", description = "timed runs per model (default ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--warmup", defaultValue = "10", description = "untimed warm-up runs per model (default ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--train", description = {"time the training step instead (forward, backward, AdamW update) on"
            + " DJL's PyTorch engine, batch of --batch synthetic sequences of --seq-len tokens; an encoder gets"
            + " finetune's pooling and classifier head first. --threads does not apply: PyTorch uses its default"
            + " (all cores)"})
    boolean train;

    @Option(names = "--profile", description = {"then run each model again with ONNX Runtime's profiler and print"
            + " where its time goes: kernel time per operator type of the optimized graph (not a speed figure:"
            + " profiling slows runs down)"})
    boolean profile;

    @Option(names = "--json", description = "print JSON")
    boolean json;

    @Mixin
    QuietOption quiet;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        BenchmarkOptions options = options(batch, seqLen, threads, runs, warmup);
        PrintWriter out = spec.commandLine().getOut();
        if (train) {
            if (other != null) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "--train times one model; compare training steps by running it once per model");
            }
            if (profile) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "--profile reads ONNX Runtime's profiler; --train runs on DJL's PyTorch engine");
            }
            TrainingBenchmark.Result r = TrainingBenchmark.run(OnnxFiles.load(model), batch, seqLen, warmup, runs,
                    quiet.progress());
            out.println(json ? Json.write(trainingJson(r)) : trainingTable(r));
            return 0;
        }
        Map<String, Object> result;
        String text;
        if (other == null) {
            BenchmarkResult r = Benchmark.run(model, options, quiet.progress());
            result = toJson(r, null);
            text = table(r, null, true);
        } else {
            ComparisonResult c = Benchmark.compare(model, other, options, quiet.progress());
            // in one process the second session reuses memory the first freed: each is measured alone
            Optional<ComparisonResult> isolated = c.withIsolatedMemory(options);
            c = isolated.orElse(c);
            result = toJson(c.model(), c);
            result.put("memory_isolated", isolated.isPresent());
            text = table(c.model(), c, isolated.isPresent());
        }
        if (profile) {
            List<Path> models = other == null ? List.of(model) : List.of(model, other);
            List<Map<String, Object>> profiles = new ArrayList<>();
            StringBuilder s = new StringBuilder(text);
            for (Path m : models) {
                OperatorProfile p = Benchmark.profile(m, options, quiet.progress());
                profiles.add(profileJson(m, p));
                s.append(System.lineSeparator()).append(System.lineSeparator()).append(profileTable(m, p));
            }
            result.put("profile", profiles);
            text = s.toString();
        }
        out.println(json ? Json.write(result) : text);
        return 0;
    }

    private static Map<String, Object> profileJson(Path m, OperatorProfile p) {
        Map<String, Object> obj = new LinkedHashMap<>();
        obj.put("model", m.toString());
        obj.put("runs", p.runs());
        obj.put("kernel_ms_per_run", p.kernelMsPerRun());
        obj.put("run_ms_per_run", p.runMsPerRun());
        List<Map<String, Object>> ops = new ArrayList<>();
        for (OperatorProfile.OperatorTime t : p.operators()) {
            Map<String, Object> op = new LinkedHashMap<>();
            op.put("op_type", t.opType());
            op.put("nodes", t.nodes());
            op.put("ms_per_run", t.msPerRun());
            op.put("share", t.share());
            ops.add(op);
        }
        obj.put("operators", ops);
        return obj;
    }

    static String profileTable(Path m, OperatorProfile p) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "%s: kernel time by operator type (ORT profiler, %d runs; %s of kernels"
                + " in a %s run)%n", m.getFileName(), p.runs(), Sizes.millis(p.kernelMsPerRun()),
                Sizes.millis(p.runMsPerRun())));
        s.append(String.format(Locale.ROOT, "%-32s %6s %11s %7s%n", "operator", "nodes", "per run", "share"));
        for (OperatorProfile.OperatorTime t : p.operators()) {
            s.append(String.format(Locale.ROOT, "%-32s %6d %11s %6.1f%%%n", t.opType(), t.nodes(),
                    Sizes.millis(t.msPerRun()), 100 * t.share()));
        }
        return s.toString().stripTrailing();
    }

    private Map<String, Object> trainingJson(TrainingBenchmark.Result r) {
        Map<String, Object> obj = new LinkedHashMap<>();
        obj.put("model", model.toString());
        obj.put("batch", r.batch());
        obj.put("seq_len", r.seqLen());
        obj.put("warmup_steps", r.warmupSteps());
        obj.put("steps", r.steps().samples());
        obj.put("step_p50_ms", r.steps().p50Ms());
        obj.put("step_p90_ms", r.steps().p90Ms());
        obj.put("step_mean_ms", r.steps().meanMs());
        obj.put("samples_per_s", r.samplesPerSecond());
        obj.put("machine", MachineInfo.current());
        return obj;
    }

    private String trainingTable(TrainingBenchmark.Result r) {
        MachineInfo m = MachineInfo.current();
        return String.format(Locale.ROOT, "training step of %s: p50 %s, p90 %s, %.1f samples/s%n"
                        + "batch %d, seq len %d, %d steps after %d warm-up (DJL PyTorch, CPU); %s, %d cores",
                model.getFileName(), Sizes.millis(r.steps().p50Ms()), Sizes.millis(r.steps().p90Ms()),
                r.samplesPerSecond(), r.batch(), r.seqLen(), r.steps().samples(), r.warmupSteps(), m.cpuModel(),
                m.logicalCores());
    }

    static BenchmarkOptions options(int batch, int seqLen, int threads, int runs, int warmup) {
        return BenchmarkOptions.defaults().withBatch(batch).withSeqLen(seqLen).withRuns(runs).withWarmupRuns(warmup)
                .withRuntime(RuntimeOptions.defaults().withIntraOpThreads(threads));
    }

    /** {@code p50_ms}, {@code p90_ms}, ... at the top; with a comparison, {@code compare.ratio_p50}. */
    static Map<String, Object> toJson(BenchmarkResult r, ComparisonResult c) {
        Map<String, Object> obj = figures(r);
        if (c != null) {
            Map<String, Object> cmp = figures(c.other());
            cmp.put("ratio_p50", c.ratioP50());
            obj.put("compare", cmp);
        }
        obj.put("machine", r.machine());
        return obj;
    }

    private static Map<String, Object> figures(BenchmarkResult r) {
        Map<String, Object> obj = new LinkedHashMap<>();
        obj.put("model", r.model().toString());
        obj.put("bytes", r.fileBytes());
        obj.put("batch", r.batch());
        obj.put("seq_len", r.seqLen());
        obj.put("threads", r.runtime().intraOpThreads());
        obj.put("warmup_runs", r.warmupRuns());
        obj.put("runs", r.runs());
        obj.put("p50_ms", r.latency().p50Ms());
        obj.put("p90_ms", r.latency().p90Ms());
        obj.put("p99_ms", r.latency().p99Ms());
        obj.put("mean_ms", r.latency().meanMs());
        obj.put("min_ms", r.latency().minMs());
        obj.put("throughput_per_s", r.throughputPerSecond());
        obj.put("peak_memory_bytes", r.peakMemoryBytes());
        return obj;
    }

    static String table(BenchmarkResult r, ComparisonResult c, boolean memoryIsolated) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "%-44s %10s %9s %9s %9s %11s %10s%n",
                "model", "size", "p50", "p90", "p99", "samples/s", "memory"));
        s.append(row(r));
        if (c != null) {
            s.append(row(c.other()));
            s.append(String.format(Locale.ROOT, "p50 ratio %s / %s = %.3fx (interleaved in one process); memory: %s%n",
                    shortName(r.model(), c.other().model()), shortName(c.other().model(), r.model()), c.ratioP50(),
                    memoryIsolated ? "each session opened in a fresh process"
                            : "both in this process (a fresh one could not be started: the second may read low)"));
        }
        MachineInfo m = r.machine();
        s.append(String.format(Locale.ROOT, "batch %d, seq len %d, %d thread(s), %d runs after %d warm-up; %s, %d cores, ORT %s",
                r.batch(), r.seqLen(), r.runtime().intraOpThreads(), r.runs(), r.warmupRuns(), m.cpuModel(),
                m.logicalCores(), m.ortVersion()));
        return s.toString();
    }

    private static String row(BenchmarkResult r) {
        return String.format(Locale.ROOT, "%-44s %10s %9s %9s %9s %11.1f %10s%n", shorten(r.model().toString(), 44),
                Sizes.bytes(r.fileBytes()), Sizes.millis(r.latency().p50Ms()), Sizes.millis(r.latency().p90Ms()),
                Sizes.millis(r.latency().p99Ms()), r.throughputPerSecond(), Sizes.bytes(r.peakMemoryBytes()));
    }

    /** The file name, with its directory when both models share it (zoo layout: DIR/model.onnx). */
    static String shortName(Path file, Path other) {
        Path name = file.getFileName();
        Path parent = file.toAbsolutePath().getParent();
        return name.equals(other.getFileName()) && parent != null ? parent.getFileName() + "/" + name : name.toString();
    }

    private static String shorten(String s, int width) {
        return s.length() <= width ? s : "..." + s.substring(s.length() - width + 3);
    }
}
