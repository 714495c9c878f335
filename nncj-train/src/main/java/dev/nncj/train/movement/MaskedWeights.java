package dev.nncj.train.movement;

import dev.nncj.onnx.Graph;
import dev.nncj.onnx.Tensor;
import java.util.List;

/**
 * Writes movement pruning's final masks into the weights: W * M with M expanded as
 * MovementMaskedWeight expands it (per weight, per column run along axis 1, per row run along axis
 * 0). The dense model then computes what the training graph computed at the final fraction.
 */
final class MaskedWeights {
    private MaskedWeights() {}

    /** Zeroes the masked weights of {@code graph}; {@code masks} has one 0/1 array per score tensor. */
    static void apply(Graph graph, MovementScores scores, List<float[]> masks) {
        for (int t = 0; t < scores.tensors().size(); t++) {
            for (MovementScores.MaskedUse use : scores.tensors().get(t).uses()) {
                Tensor w = graph.initializer(use.weight()).orElseThrow();
                float[] values = w.toFloats();
                long columns = w.dim(1);
                float[] mask = masks.get(t);
                for (int i = 0; i < values.length; i++) {
                    int unit = switch (use.axis()) {
                        case 0 -> (int) (i / columns) / use.block();
                        case 1 -> (int) (i % columns) / use.block();
                        default -> i;
                    };
                    if (mask[unit] == 0f) {
                        values[i] = 0f;
                    }
                }
                graph.replaceInitializer(Tensor.ofFloats(w.name(), w.shape(), values));
            }
        }
    }
}
