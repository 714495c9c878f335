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

/**
 * Times a model with ONNX Runtime in this process, as {@code nncj bench} does: the model is written
 * to a temporary folder, benchmarked with the search's options (batch, sequence length, threads;
 * spinning off, as in an interleaved comparison) and deleted.
 */
public final class OnnxRuntimeTimer implements ModelTimer {
    private final BenchmarkOptions options;

    public OnnxRuntimeTimer(BenchmarkOptions options) {
        this.options = options.withRuntime(options.runtime().withSpinning(false));
    }

    public BenchmarkOptions options() {
        return options;
    }

    @Override
    public double p50Millis(OnnxModel model) {
        try (TempFiles.Temp dir = TempFiles.directory("nncj-timed-")) {
            Path file = dir.path().resolve("candidate.onnx");
            OnnxFiles.save(model, file);
            return Benchmark.run(file, options, ProgressListener.NONE).p50Ms();
        } catch (IOException e) {
            throw new NncjException("cannot create a temporary folder to time a candidate: " + e.getMessage(), e);
        }
    }
}
