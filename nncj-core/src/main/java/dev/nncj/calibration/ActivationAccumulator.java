package dev.nncj.calibration;

import dev.nncj.eval.FloatArray;
import java.util.Map;

/**
 * What a method gathers from the activations {@link ActivationObserver} streams: ranges for static
 * quantization, second moments for Wanda's and ASVD's input weighting, per-unit importance for
 * structured pruning. Each batch's values arrive once, copied out of ONNX Runtime's native memory.
 */
@FunctionalInterface
public interface ActivationAccumulator {
    /** @param values the observed tensors of this batch by name (float tensors only) */
    void accept(ObservedBatch batch, Map<String, FloatArray> values);
}
