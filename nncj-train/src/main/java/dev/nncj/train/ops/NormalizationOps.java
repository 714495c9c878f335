package dev.nncj.train.ops;

import static dev.nncj.train.ops.OpContext.one;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.Optional;
import java.util.Set;

/** LayerNormalization (opset 17) and BatchNormalization in its inference form. */
final class NormalizationOps {
    private NormalizationOps() {}

    static void register(OpRegistry r) {
        r.put(new OpDefinition("LayerNormalization", NormalizationOps::layerNorm, Set.of(),
                (node, opset) -> node.outputs().size() > 1 && node.outputs().stream().skip(1).anyMatch(o -> !o.isEmpty())
                        ? Optional.of("the Mean and InvStdDev outputs are not supported") : Optional.empty()));
        // running mean and variance (inputs 3 and 4) are statistics, not trained parameters
        r.put(new OpDefinition("BatchNormalization", NormalizationOps::batchNorm, Set.of(3, 4),
                (node, opset) -> node.intAttribute("training_mode", 0) != 0 || node.outputs().size() > 1
                        ? Optional.of("only the inference form (one output, training_mode 0) is supported")
                        : Optional.empty()));
    }

    /**
     * Normalizes over axes [axis, rank): Y = (X - mean) / sqrt(var + eps) * scale + bias, with the
     * biased variance. PyTorch's fused layer_norm computes exactly this when scale and bias have the
     * normalized shape, which ONNX exporters produce; otherwise they are broadcast to it first.
     */
    private static NDArray[] layerNorm(OpContext c) {
        NDArray x = c.input(0);
        int rank = x.getShape().dimension();
        int axis = c.axis(c.intAttribute("axis", -1), rank);
        float eps = c.floatAttribute("epsilon", 1e-5f);
        Shape normalized = x.getShape().slice(axis);
        NDArray scale = fit(c.input(1), normalized);
        NDArray bias = c.hasInput(2) ? fit(c.input(2), normalized) : scale.zerosLike();
        return one(x.getNDArrayInternal().layerNorm(x, normalized, scale, bias, eps).singletonOrThrow());
    }

    private static NDArray fit(NDArray a, Shape shape) {
        return a.getShape().equals(shape) ? a : a.broadcast(shape);
    }

    /** Y = (X - mean) / sqrt(var + eps) * scale + B, per channel (axis 1), from stored statistics. */
    private static NDArray[] batchNorm(OpContext c) {
        NDArray x = c.input(0);
        int rank = x.getShape().dimension();
        long channels = x.getShape().get(1);
        long[] perChannel = new long[rank];
        java.util.Arrays.fill(perChannel, 1);
        perChannel[1] = channels;
        Shape s = new Shape(perChannel);
        float eps = c.floatAttribute("epsilon", 1e-5f);
        NDArray inv = c.input(4).add(eps).sqrt();
        NDArray y = x.sub(c.input(3).reshape(s)).div(inv.reshape(s));
        return one(y.mul(c.input(1).reshape(s)).add(c.input(2).reshape(s)));
    }
}
