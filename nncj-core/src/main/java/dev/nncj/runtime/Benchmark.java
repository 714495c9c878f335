package dev.nncj.runtime;

import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.TokenEmbedding;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.TempFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Measures how fast ONNX Runtime runs a model, in this process, on synthesized inputs; NNCJ's only
 * source of speed figures.
 *
 * <p><b>Timing.</b> Inputs are built once ({@link InputSynthesizer}); each timed run is
 * {@link System#nanoTime()} around {@code OrtSession.run} alone, and its outputs are released right
 * after, outside the timing. Warm-up runs come first and are not timed: ORT sizes its memory arena and
 * pre-packs weights on the first runs.
 *
 * <p><b>Comparisons.</b> A speed-up is only claimed from {@link #compare}: both sessions are open at
 * once and run interleaved, A then B on even iterations and B then A on odd ones, so clock changes,
 * cache state and other load hit both models alike and whoever runs second gains no systematic edge.
 * The ratio of their medians is then robust even when absolute latencies drift between runs of NNCJ.
 * Inputs are synthesized per session but seeded per input name, so an input the two models share
 * receives identical values.
 *
 * <p><b>Memory.</b> The peak growth of the process's resident set (Linux /proc/self/status) from just
 * before the session is opened: VmHWM is reset by writing "5" to /proc/self/clear_refs, then read after
 * warm-up (and, for {@link #run}, after the timed runs); the RSS before opening is subtracted. For
 * {@link #compare} each model is measured while it alone is being opened and warmed (open A, warm A,
 * read; reset; open B, warm B, read), so each figure is the RSS growth attributable to that session.
 * It is approximate: weights, arena, pre-packed buffers, the transient copy of the model ORT holds
 * while loading, and the input tensors count, but so does anything else the JVM allocated in that
 * window; and memory an earlier session freed stays resident in the C allocator and is reused without
 * raising RSS, so sessions opened later in a long-lived process can read low (in one test, a model
 * measured 50 MB first and 2 MB after several sessions had come and gone), and {@link #compare}'s
 * second model reads low for the same reason. Figures worth reporting come from a fresh process per
 * model: one {@link #run}, or {@link ComparisonResult#withIsolatedMemory} after a comparison, as the
 * CLI does. Where the high-water mark cannot be reset, the peak is taken from VmHWM if it rose in the
 * window, otherwise from sampled RSS; off Linux it is -1.
 *
 * <p>Every native object (session, input tensors, run results) is closed in try-with-resources the
 * moment it is no longer needed: ORT's memory is invisible to the garbage collector, so leaving it to
 * finalization would both leak and distort the memory figures of whatever is measured next.
 */
public final class Benchmark {
    private Benchmark() {}

    /** Benchmarks one model. */
    public static BenchmarkResult run(Path model, BenchmarkOptions options, ProgressListener progress) {
        // Read first: it also loads ORT's native library, which must not count as the session's memory.
        MachineInfo machine = MachineInfo.current();
        // Before the memory window opens: reading the model's vocabulary allocates on the heap.
        InputSynthesizer inputs = synthesizerFor(model, options);
        progress.start("benchmark " + model.getFileName(), (long) options.warmupRuns() + options.runs());
        try {
            RssProbe memory = RssProbe.start();
            try (Subject subject = Subject.open(model, options, inputs)) {
                memory.sample();
                subject.warmUp(progress);
                memory.sample();
                long[] nanos = new long[options.runs()];
                for (int i = 0; i < nanos.length; i++) {
                    nanos[i] = subject.timeOneRun();
                    progress.advance(1);
                }
                long peak = memory.peakGrowthBytes();
                return BenchmarkResult.of(model, options, nanos, peak, machine);
            }
        } finally {
            progress.finish();
        }
    }

    /**
     * Benchmarks {@code model} against {@code other}, interleaved in one process (see the class
     * comment). {@link ComparisonResult#ratioP50()} is p50(model) / p50(other).
     */
    public static ComparisonResult compare(Path model, Path other, BenchmarkOptions requested,
            ProgressListener progress) {
        // Two sessions take turns: an idle session's spinning pool would steal the cores of the
        // running one (measured here at 2 threads: both models 1.5-2x slower than alone).
        BenchmarkOptions options = requested.withRuntime(requested.runtime().withSpinning(false));
        MachineInfo machine = MachineInfo.current();
        InputSynthesizer inputsA = synthesizerFor(model, options);
        InputSynthesizer inputsB = synthesizerFor(other, options);
        progress.start("compare " + model.getFileName() + " with " + other.getFileName(),
                2L * (options.warmupRuns() + options.runs()));
        try {
            RssProbe memoryA = RssProbe.start();
            Subject opened;
            try {
                opened = Subject.open(model, options, inputsA);
            } catch (NncjException e) {
                throw failingBaselineOr(other, options, inputsB, e);
            }
            try (Subject a = opened) {
                memoryA.sample();
                try {
                    a.warmUp(progress);
                } catch (NncjException e) {
                    throw failingBaselineOr(other, options, inputsB, e);
                }
                long peakA = memoryA.peakGrowthBytes();

                RssProbe memoryB = RssProbe.start();
                try (Subject b = Subject.open(other, options, inputsB)) {
                    memoryB.sample();
                    b.warmUp(progress);
                    long peakB = memoryB.peakGrowthBytes();

                    long[] nanosA = new long[options.runs()];
                    long[] nanosB = new long[options.runs()];
                    for (int i = 0; i < options.runs(); i++) {
                        // Alternate who goes first so neither model systematically inherits a warm cache.
                        if (i % 2 == 0) {
                            nanosA[i] = a.timeOneRun();
                            nanosB[i] = b.timeOneRun();
                        } else {
                            nanosB[i] = b.timeOneRun();
                            nanosA[i] = a.timeOneRun();
                        }
                        progress.advance(2);
                    }
                    return new ComparisonResult(
                            BenchmarkResult.of(model, options, nanosA, peakA, machine),
                            BenchmarkResult.of(other, options, nanosB, peakB, machine));
                }
            }
        } finally {
            progress.finish();
        }
    }

    /**
     * Runs one model with ONNX Runtime's profiler on and returns its kernel time by operator type
     * ({@link OperatorProfile}). Profiling slows a run a little, so this is for finding where the time
     * goes, never for a speed figure.
     */
    public static OperatorProfile profile(Path model, BenchmarkOptions options, ProgressListener progress) {
        InputSynthesizer inputs = synthesizerFor(model, options);
        Path dir;
        try {
            dir = TempFiles.createDirectory("nncj-profile");
        } catch (IOException e) {
            throw new NncjException("cannot create a temporary directory for ONNX Runtime's profile: " + e.getMessage(), e);
        }
        progress.start("profile " + model.getFileName(), (long) options.warmupRuns() + options.runs());
        try (Subject subject = Subject.open(model, options, inputs, dir.resolve("ort"))) {
            subject.warmUp(progress);
            for (int i = 0; i < options.runs(); i++) {
                subject.timeOneRun();
                progress.advance(1);
            }
            return OperatorProfile.read(subject.endProfiling(), options.warmupRuns());
        } finally {
            progress.finish();
            TempFiles.delete(dir);
        }
    }

    /**
     * When a model fails to run, the model it is compared with is tried once on the same kind of
     * inputs: a compressed model inherits its input's declared shapes, and a fault that is the
     * input's should name the input, not an output that was never written.
     */
    private static NncjException failingBaselineOr(Path other, BenchmarkOptions options, InputSynthesizer inputs,
            NncjException failure) {
        try (Subject baseline = Subject.open(other, options, inputs)) {
            baseline.timeOneRun();
            return failure;
        } catch (NncjException baselineFailure) {
            return baselineFailure;
        }
    }

    /**
     * Token ids must stay inside the model's embedding table, or ORT fails on the first run; when
     * the options don't give a vocabulary size, the model's own table bounds them.
     */
    private static InputSynthesizer synthesizerFor(Path model, BenchmarkOptions options) {
        if (options.vocabSize().isPresent() || !Files.isRegularFile(model)) {
            return options.synthesizer(); // a missing file is reported by the session opening it
        }
        return TokenEmbedding.vocabularySize(OnnxFiles.load(model).graph())
                .map(options::withVocabSize)
                .orElse(options)
                .synthesizer();
    }

    /** A model ready to run: its session and its inputs, released together. */
    private static final class Subject implements AutoCloseable {
        private final Path path;
        private final BenchmarkOptions options;
        private final OrtSession session;
        private final SessionInputs inputs;

        private Subject(Path path, BenchmarkOptions options, OrtSession session, SessionInputs inputs) {
            this.path = path;
            this.options = options;
            this.session = session;
            this.inputs = inputs;
        }

        static Subject open(Path path, BenchmarkOptions options, InputSynthesizer synthesizer) {
            return open(path, options, synthesizer, null);
        }

        /** With a {@code profilePrefix}, ORT's profiler records every run (see {@link #endProfiling}). */
        static Subject open(Path path, BenchmarkOptions options, InputSynthesizer synthesizer, Path profilePrefix) {
            OrtSession session = profilePrefix == null ? OrtSessions.open(path, options.runtime())
                    : OrtSessions.openProfiled(path, options.runtime(), profilePrefix);
            try {
                return new Subject(path, options, session, synthesizer.synthesize(session));
            } catch (NncjException e) {
                closeQuietly(session);
                throw NncjException.inFile(path, e.getMessage(), e);
            } catch (RuntimeException e) {
                closeQuietly(session);
                throw e;
            }
        }

        void warmUp(ProgressListener progress) {
            for (int i = 0; i < options.warmupRuns(); i++) {
                timeOneRun();
                progress.advance(1);
            }
        }

        /** One run's duration in ns. The outputs are freed at once, after the clock stops. */
        @SuppressWarnings("try") // the outputs are only closed, never read: timing is all we want
        long timeOneRun() {
            long start = System.nanoTime();
            try (OrtSession.Result outputs = session.run(inputs.tensors())) {
                return System.nanoTime() - start;
            } catch (OrtException e) {
                throw NncjException.inFile(path, "ONNX Runtime failed to run the model on synthesized inputs"
                        + " (batch " + options.batch() + ", sequence length " + options.seqLen() + "): "
                        + OrtMessages.firstLine(e), e);
            }
        }

        /** Stops the profiler; the trace file it wrote. */
        Path endProfiling() {
            try {
                return Path.of(session.endProfiling());
            } catch (OrtException e) {
                throw NncjException.inFile(path, "ONNX Runtime failed to write its profile: " + OrtMessages.firstLine(e), e);
            }
        }

        @Override
        public void close() {
            inputs.close();
            try {
                session.close();
            } catch (OrtException e) {
                throw NncjException.inFile(path, "ONNX Runtime failed to release the session: "
                        + OrtMessages.firstLine(e), e);
            }
        }

        private static void closeQuietly(OrtSession session) {
            try {
                session.close();
            } catch (OrtException | RuntimeException suppressed) {
                // Already failing with a more useful error; a failed release adds nothing to it.
            }
        }
    }
}
