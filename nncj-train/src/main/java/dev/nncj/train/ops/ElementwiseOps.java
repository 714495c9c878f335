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
        binary(r, "Max", NDArray::maximum);
        binary(r, "Min", NDArray::minimum);
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

    private static void binary(OpRegistry r, String type, BinaryOperator<NDArray> f) {
        r.put(type, c -> one(f.apply(c.input(0), c.input(1))));
    }

    private static void unary(OpRegistry r, String type, UnaryOperator<NDArray> f) {
        r.put(type, c -> one(f.apply(c.input(0))));
    }
}
