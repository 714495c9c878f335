package dev.nncj.train.ops;

import static dev.nncj.train.ops.OpContext.one;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.DataType;
import java.util.Set;
import java.util.function.BinaryOperator;
import java.util.function.UnaryOperator;

/**
 * Elementwise arithmetic, comparisons and casts. ONNX's multidirectional broadcasting is numpy's,
 * which is also PyTorch's, so binary ops map one to one.
 */
final class ElementwiseOps {
    private ElementwiseOps() {}

    static void register(OpRegistry r) {
        binary(r, "Add", NDArray::add);
        binary(r, "Sub", NDArray::sub);
        binary(r, "Mul", NDArray::mul);
        r.put("Div", ElementwiseOps::div);
        binary(r, "Pow", NDArray::pow);
        variadic(r, "Max", NDArray::maximum);
        variadic(r, "Min", NDArray::minimum);
        variadic(r, "Sum", NDArray::add);
        r.put("Mean", c -> one(fold(c, NDArray::add).div((float) c.inputCount())));
        r.put("Clip", ElementwiseOps::clip, Set.of(1, 2));
        unary(r, "Sqrt", NDArray::sqrt);
        unary(r, "Erf", NDArray::erf);
        unary(r, "Neg", NDArray::neg);
        unary(r, "Exp", NDArray::exp);
        unary(r, "Log", NDArray::log);
        unary(r, "Abs", NDArray::abs);
        unary(r, "Reciprocal", a -> a.getNDArrayInternal().rdiv(1f));
        // Identity and Dropout return a view, not the input itself: every value the executor hands
        // out is then a fresh handle it can free without touching the caller's or a parameter's.
        unary(r, "Identity", a -> a.reshape(a.getShape()));
        // Dropout at evaluation is the identity; its optional mask output is all true.
        r.put("Dropout", c -> {
            NDArray x = c.input(0);
            return new NDArray[] {x.reshape(x.getShape()), c.manager().ones(x.getShape(), DataType.BOOLEAN)};
        }, Set.of(1, 2));
        r.put("Equal", c -> one(c.input(0).eq(c.input(1))), Set.of(0, 1));
        r.put("Less", c -> one(c.input(0).lt(c.input(1))), Set.of(0, 1));
        r.put("Greater", c -> one(c.input(0).gt(c.input(1))), Set.of(0, 1));
        r.put("Not", c -> one(c.input(0).logicalNot()), Set.of(0));
        r.put("Where", c -> one(NDArrays.where(c.input(0), c.input(1), c.input(2))), Set.of(0));
        r.put("Cast", c -> {
            long to = c.intAttribute("to", 0);
            DataType type = TensorArrays.djlType(dev.nncj.onnx.DataType.fromCode((int) to), "node " + c.node().name());
            return one(c.input(0).toType(type, true));
        });
    }

    /**
     * ONNX's integer Div truncates toward zero (C semantics); torch.div would return floats. Shape
     * arithmetic is small, so the exact route through float64 (exact below 2^53) is cheap enough.
     */
    private static NDArray[] div(OpContext c) {
        NDArray a = c.input(0);
        NDArray b = c.input(1);
        if (a.getDataType().isInteger() && b.getDataType().isInteger()) {
            NDArray q = a.toType(DataType.FLOAT64, false).div(b.toType(DataType.FLOAT64, false));
            return one(q.trunc().toType(a.getDataType(), false));
        }
        return one(a.div(b));
    }

    /** Clip bounds: attributes min/max before opset 11, optional inputs from 11 on. */
    private static NDArray[] clip(OpContext c) {
        NDArray y = c.input(0);
        if (c.opset() < 11) {
            float lo = c.floatAttribute("min", Float.NEGATIVE_INFINITY);
            float hi = c.floatAttribute("max", Float.POSITIVE_INFINITY);
            return one(y.maximum(lo).minimum(hi));
        }
        if (c.hasInput(1)) {
            y = y.maximum(c.input(1));
        }
        if (c.hasInput(2)) {
            y = y.minimum(c.input(2));
        }
        return one(y == c.input(0) ? y.reshape(y.getShape()) : y);
    }

    private static NDArray fold(OpContext c, BinaryOperator<NDArray> f) {
        NDArray y = c.input(0);
        for (int i = 1; i < c.inputCount(); i++) {
            y = f.apply(y, c.input(i));
        }
        return y;
    }

    private static void variadic(OpRegistry r, String type, BinaryOperator<NDArray> f) {
        r.put(type, c -> {
            NDArray y = fold(c, f);
            return one(c.inputCount() == 1 ? y.reshape(y.getShape()) : y);
        });
    }

    private static void binary(OpRegistry r, String type, BinaryOperator<NDArray> f) {
        r.put(type, c -> one(f.apply(c.input(0), c.input(1))));
    }

    private static void unary(OpRegistry r, String type, UnaryOperator<NDArray> f) {
        r.put(type, c -> one(f.apply(c.input(0))));
    }
}
