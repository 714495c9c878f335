package dev.nncj.lowrank;

import dev.nncj.onnx.Node;
import dev.nncj.onnx.Tensor;
import java.util.List;

/**
 * A weight initializer that can be factorized, with every node that multiplies by it and the rule
 * choosing its rank. A weight shared by several nodes (tied or cross-layer-shared weights) is one
 * candidate: its factors stay shared.
 */
record Candidate(Tensor weight, List<Node> nodes, RankRule rule) {
    /** The weight as the product reads it, [in, out]: Gemm with transB stores it transposed. */
    boolean transposed() {
        return nodes.get(0).is("Gemm") && nodes.get(0).intAttribute("transB", 0) == 1;
    }

    int in() {
        return (int) weight.dim(transposed() ? 1 : 0);
    }

    int out() {
        return (int) weight.dim(transposed() ? 0 : 1);
    }

    /** The [in, out] matrix, row-major. */
    float[] matrix() {
        float[] w = weight.toFloats();
        if (!transposed()) {
            return w;
        }
        int rows = (int) weight.dim(0);
        int cols = (int) weight.dim(1);
        float[] t = new float[w.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t[j * rows + i] = w[i * cols + j];
            }
        }
        return t;
    }
}
