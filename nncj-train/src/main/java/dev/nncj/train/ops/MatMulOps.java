package dev.nncj.train.ops;

import static dev.nncj.train.ops.OpContext.one;

import ai.djl.ndarray.NDArray;

/** MatMul (numpy semantics, torch.matmul) and Gemm. */
final class MatMulOps {
    private MatMulOps() {}

    static void register(OpRegistry r) {
        r.put("MatMul", c -> one(c.input(0).matMul(c.input(1))));
        r.put("Gemm", MatMulOps::gemm);
    }

    /** Y = alpha * A' B' + beta * C, A' and B' optionally transposed, C unidirectionally broadcast. */
    private static NDArray[] gemm(OpContext c) {
        NDArray a = c.input(0);
        NDArray b = c.input(1);
        if (c.intAttribute("transA", 0) != 0) {
            a = a.transpose();
        }
        if (c.intAttribute("transB", 0) != 0) {
            b = b.transpose();
        }
        NDArray y = a.matMul(b);
        float alpha = c.floatAttribute("alpha", 1f);
        if (alpha != 1f) {
            y = y.mul(alpha);
        }
        if (c.hasInput(2)) {
            float beta = c.floatAttribute("beta", 1f);
            NDArray bias = c.input(2);
            y = y.add(beta == 1f ? bias : bias.mul(beta));
        }
        return one(y);
    }
}
