package dev.nncj.search;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.TempFiles;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.runtime.Benchmark;
import dev.nncj.runtime.BenchmarkOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Times a model with ONNX Runtime in this process, as {@code nncj bench} does: the model is written
 * to a temporary folder, benchmarked with the search's options (batch, sequence length, threads;
 * spinning off, as in an interleaved comparison) and deleted.
 *
 * <p>{@link #relativeTo} times every model interleaved with a reference model instead and returns
 * the p50 ratio times the reference's own p50: whatever else the machine does slows both models of
 * a comparison alike, so the table built from these timings keeps its proportions on a busy machine
 * (measured: timed alone beside another process, MiniLM's blocks came out negative).
 */
public final class OnnxRuntimeTimer implements ModelTimer {
    private final BenchmarkOptions options;
    private final Optional<Path> reference;
    private final double referenceMillis;

    private OnnxRuntimeTimer(BenchmarkOptions options, Optional<Path> reference, double referenceMillis) {
        this.options = options.withRuntime(options.runtime().withSpinning(false));
        this.reference = reference;
        this.referenceMillis = referenceMillis;
    }

    /** Each model timed alone. */
    public static OnnxRuntimeTimer alone(BenchmarkOptions options) {
        return new OnnxRuntimeTimer(options, Optional.empty(), Double.NaN);
    }

    /** Each model timed interleaved with {@code reference}, in milliseconds of the reference's p50 (timed once, here). */
    public static OnnxRuntimeTimer relativeTo(Path reference, BenchmarkOptions options) {
        double millis = Benchmark.run(reference, options.withRuntime(options.runtime().withSpinning(false)),
                ProgressListener.NONE).p50Ms();
        return new OnnxRuntimeTimer(options, Optional.of(reference), millis);
    }

    /** The p50 of {@code model} over the reference's, interleaved in one process (a {@link #relativeTo} timer only). */
    public double p50Ratio(OnnxModel model) {
        if (reference.isEmpty()) {
            throw new IllegalStateException("a timer without a reference model has no ratio");
        }
        return p50Millis(model) / referenceMillis;
    }

    @Override
    public double p50Millis(OnnxModel model) {
        try (TempFiles.Temp dir = TempFiles.directory("nncj-timed-")) {
            Path file = dir.path().resolve("candidate.onnx");
            OnnxFiles.save(model, file);
            if (reference.isPresent()) {
                return referenceMillis * Benchmark.compare(file, reference.get(), options, ProgressListener.NONE).ratioP50();
            }
            return Benchmark.run(file, options, ProgressListener.NONE).p50Ms();
        } catch (IOException e) {
            throw new NncjException("cannot create a temporary folder to time a candidate: " + e.getMessage(), e);
        }
    }
}
