package dev.nncj.train.ops;

import static dev.nncj.train.ops.OpContext.one;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.Optional;
import java.util.function.BiFunction;

/** Nonlinearities and the (log-)softmax family. */
final class ActivationOps {
    private ActivationOps() {}

    static void register(OpRegistry r) {
        r.put("Relu", c -> one(c.input(0).getNDArrayInternal().relu()));
        r.put("Sigmoid", c -> one(c.input(0).getNDArrayInternal().sigmoid()));
        r.put("Tanh", c -> one(c.input(0).tanh()));
        r.put("LeakyRelu", c -> {
            NDArray x = c.input(0);
            float alpha = c.floatAttribute("alpha", 0.01f);
            return one(x.maximum(0f).add(x.minimum(0f).mul(alpha)));
        });
        r.put(new OpDefinition("Gelu", ActivationOps::gelu, java.util.Set.of(), (node, opset) -> {
            String approximate = node.stringAttribute("approximate", "none");
            return approximate.equals("none") || approximate.equals("tanh")
                    ? Optional.empty() : Optional.of("approximate=" + approximate + " is not an ONNX Gelu mode");
        }));
        r.put("Softmax", c -> one(softmax(c, NDArray::softmax)));
        r.put("LogSoftmax", c -> one(softmax(c, NDArray::logSoftmax)));
    }

    /** Gelu (opset 20): exact erf form by default, or the tanh approximation when asked. */
    private static NDArray[] gelu(OpContext c) {
        NDArray x = c.input(0);
        if (c.node().stringAttribute("approximate", "none").equals("tanh")) {
            // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
            NDArray inner = x.add(x.pow(3).mul(0.044715f)).mul((float) Math.sqrt(2 / Math.PI));
            return one(x.mul(inner.tanh().add(1f)).mul(0.5f));
        }
        return one(x.getNDArrayInternal().gelu());
    }

    /**
     * Before opset 13 (log-)softmax coerced its input to 2-D at {@code axis} (default 1) and
     * normalized over the whole flattened tail; from 13 on it normalizes along the one axis
     * (default -1). The two agree when the axis is the last one, the common case.
     */
    private static NDArray softmax(OpContext c, BiFunction<NDArray, Integer, NDArray> f) {
        NDArray x = c.input(0);
        int rank = x.getShape().dimension();
        if (c.opset() >= 13) {
            return f.apply(x, c.axis(c.intAttribute("axis", -1), rank));
        }
        int axis = c.axis(c.intAttribute("axis", 1), rank);
        if (axis == rank - 1) {
            return f.apply(x, axis);
        }
        Shape shape = x.getShape();
        long outer = shape.slice(0, axis).size();
        NDArray flat = x.reshape(outer, shape.size() / Math.max(outer, 1));
        return f.apply(flat, 1).reshape(shape);
    }
}
