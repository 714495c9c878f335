package dev.nncj.train.trainer;

import dev.nncj.onnx.Tensor;
import java.util.Map;

/**
 * One batch: the graph inputs as IR tensors (converted to NDArrays inside the step that uses them,
 * so they are freed with it) and one integer label per example.
 */
public record Batch(Map<String, Tensor> inputs, long[] labels) {
    public Batch {
        inputs = Map.copyOf(inputs);
        labels = labels.clone();
    }

    /** The inputs as arrays owned by {@code manager} (a step's scope frees them with it). */
    public Map<String, ai.djl.ndarray.NDArray> arrays(ai.djl.ndarray.NDManager manager) {
        Map<String, ai.djl.ndarray.NDArray> out = new java.util.HashMap<>();
        inputs.forEach((name, t) -> out.put(name, dev.nncj.train.ops.TensorArrays.toArray(manager, t)));
        return out;
    }

    public int size() {
        return labels.length;
    }
}
