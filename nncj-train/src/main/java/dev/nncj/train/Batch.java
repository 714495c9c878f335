package dev.nncj.train;

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

    public int size() {
        return labels.length;
    }
}
