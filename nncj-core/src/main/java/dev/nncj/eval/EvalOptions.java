package dev.nncj.eval;

import dev.nncj.runtime.RuntimeOptions;
import java.util.Optional;

/**
 * Settings shared by every evaluation task.
 *
 * @param batchSize examples per ONNX Runtime call (padding is per batch, so larger batches of
 *     short sentences cost little)
 * @param runtime ONNX Runtime threads and optimization level
 * @param outputName which model output to score; empty means the first
 */
public record EvalOptions(int batchSize, RuntimeOptions runtime, Optional<String> outputName) {
    public EvalOptions {
        if (batchSize < 1) {
            throw new dev.nncj.NncjException("batch size must be at least 1, got " + batchSize);
        }
    }

    public static EvalOptions defaults() {
        return new EvalOptions(32, RuntimeOptions.defaults().withIntraOpThreads(Runtime.getRuntime().availableProcessors()),
                Optional.empty());
    }

    public EvalOptions withBatchSize(int size) {
        return new EvalOptions(size, runtime, outputName);
    }

    public EvalOptions withRuntime(RuntimeOptions options) {
        return new EvalOptions(batchSize, options, outputName);
    }

    public EvalOptions withOutputName(String name) {
        return new EvalOptions(batchSize, runtime, Optional.ofNullable(name));
    }
}
