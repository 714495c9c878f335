package dev.nncj.train.execution;

import dev.nncj.onnx.DataType;
import dev.nncj.onnx.Graph;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * Trained weights back into a model of the same names: a training graph (fake-quantized, masked)
 * differs from the model to export only by the nodes and parameters training added, so its float
 * initializers replace the export model's by name.
 */
public final class TrainedWeights {
    private TrainedWeights() {}

    /** Every float initializer of {@code target} that {@code trained} holds under the same name and shape. */
    public static void copy(OnnxModel trained, OnnxModel target) {
        Graph from = trained.graph();
        for (Tensor t : List.copyOf(target.graph().initializers().values())) {
            if (t.type() != DataType.FLOAT) {
                continue;
            }
            from.initializer(t.name()).filter(u -> u.type() == DataType.FLOAT && Arrays.equals(u.shape(), t.shape()))
                    .ifPresent(u -> target.graph().replaceInitializer(u));
        }
    }
}
