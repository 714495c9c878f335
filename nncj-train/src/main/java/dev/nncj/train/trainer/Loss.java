package dev.nncj.train.trainer;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/** A scalar training objective over the graph outputs of one batch; distillation wraps a teacher here. */
@FunctionalInterface
public interface Loss {
    /**
     * @param outputs the graph outputs (and requested intermediate values) of the batch
     * @param labels the batch's labels, an int64 array in the step's manager
     * @param inputs the batch's graph inputs (a teacher runs on them), in the same manager
     */
    NDArray compute(Map<String, NDArray> outputs, NDArray labels, Map<String, NDArray> inputs);

    /**
     * Intermediate values of the trained graph this loss reads besides its outputs (hidden states,
     * attention maps); the trainer asks the executor for them.
     */
    default java.util.Collection<String> values() {
        return java.util.List.of();
    }

    /** This loss plus {@code weight} times {@code other}, reading the values both need. */
    default Loss plus(Loss other, double weight) {
        Loss self = this;
        return new Loss() {
            @Override
            public NDArray compute(Map<String, NDArray> outputs, NDArray labels, Map<String, NDArray> inputs) {
                return self.compute(outputs, labels, inputs)
                        .add(other.compute(outputs, labels, inputs).mul((float) weight));
            }

            @Override
            public java.util.Collection<String> values() {
                java.util.Set<String> all = new java.util.LinkedHashSet<>(self.values());
                all.addAll(other.values());
                return all;
            }
        };
    }

    /** Mean cross-entropy of {@code logitsOutput} [batch, classes] against class-index labels. */
    static Loss softmaxCrossEntropy(String logitsOutput) {
        return (outputs, labels, inputs) -> {
            NDArray logits = outputs.get(logitsOutput);
            if (logits == null) {
                throw new dev.nncj.NncjException("the graph has no output " + logitsOutput + "; it has " + outputs.keySet());
            }
            NDArray logProbabilities = logits.logSoftmax(-1);
            // the one-hot mask picks each row's label column; it is a constant, so only log p gets gradients
            int classes = (int) logits.getShape().get(logits.getShape().dimension() - 1);
            NDArray oneHot = labels.oneHot(classes, logits.getDataType());
            return logProbabilities.mul(oneHot).sum(new int[] {-1}).mean().neg();
        };
    }
}
