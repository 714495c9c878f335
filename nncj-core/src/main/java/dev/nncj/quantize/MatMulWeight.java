package dev.nncj.quantize;

import dev.nncj.onnx.DataType;
import dev.nncj.onnx.Graph;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.Tensor;
import java.util.Optional;

/**
 * The constant weight of a MatMul: {@code Y = A @ W} with {@code W} a float32 initializer of shape
 * [K, N]. Weight-only schemes quantize exactly these; a MatMul of two activations (attention's
 * {@code Q @ K^T}) or with a batched weight has none and stays float.
 */
record MatMulWeight(Node node, Tensor weight) {

    /** The node's weight, or the reason it has none a weight-only scheme can take. */
    static Either find(Graph graph, Node node) {
        if (!node.is("MatMul") || !node.domain().isEmpty()) {
            return new Either(null, "not a MatMul");
        }
        Optional<Tensor> w = graph.initializer(node.input(1));
        if (w.isEmpty()) {
            return new Either(null, graph.constantValue(node.input(1)).isPresent()
                    ? "weight " + node.input(1) + " is a Constant node, not an initializer"
                    : "second input " + node.input(1) + " is computed at run time, not a weight");
        }
        if (w.get().type() != DataType.FLOAT) {
            return new Either(null, "weight " + node.input(1) + " is " + w.get().type().displayName() + ", not float32");
        }
        if (w.get().rank() != 2) {
            return new Either(null, "weight " + node.input(1) + " has rank " + w.get().rank() + ", not 2");
        }
        return new Either(new MatMulWeight(node, w.get()), null);
    }

    int k() {
        return Math.toIntExact(weight.dim(0));
    }

    int n() {
        return Math.toIntExact(weight.dim(1));
    }

    /** The weight transposed to [N, K] (row n holds the K weights of output column n), row-major. */
    float[] transposed() {
        float[] w = weight.toFloats();
        int k = k();
        int n = n();
        float[] t = new float[w.length];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < n; j++) {
                t[j * k + i] = w[i * n + j];
            }
        }
        return t;
    }

    /** A weight or the reason there is none. */
    record Either(MatMulWeight weight, String reason) {
        boolean found() {
            return weight != null;
        }
    }
}
