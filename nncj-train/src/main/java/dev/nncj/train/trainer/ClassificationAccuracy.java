package dev.nncj.train.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.nncj.train.execution.OnnxExecutor;
import java.util.List;
import java.util.Map;

/** Share of examples whose arg-max logit is the label, over fixed held-out batches. */
public final class ClassificationAccuracy implements Evaluator {
    private final List<Batch> batches;
    private final String logitsOutput;

    public ClassificationAccuracy(List<Batch> batches, String logitsOutput) {
        this.batches = List.copyOf(batches);
        this.logitsOutput = logitsOutput;
    }

    @Override
    public double evaluate(OnnxExecutor executor) {
        long right = 0;
        long total = 0;
        for (Batch batch : batches) {
            try (NDManager scope = executor.manager().newSubManager()) {
                Map<String, NDArray> inputs = batch.arrays(scope);
                long[] predicted = executor.infer(scope, inputs).get(logitsOutput).argMax(-1).toLongArray();
                for (int i = 0; i < predicted.length; i++) {
                    right += predicted[i] == batch.labels()[i] ? 1 : 0;
                }
                total += predicted.length;
            }
        }
        return (double) right / total;
    }
}
