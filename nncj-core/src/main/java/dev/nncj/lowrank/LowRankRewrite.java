package dev.nncj.lowrank;

import dev.nncj.onnx.Graph;
import dev.nncj.onnx.NameScope;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.Tensor;
import java.util.List;

/**
 * Replaces a weight by its factors in the graph. With W ~= L R (L [in, r], R [r, out]):
 * <pre>
 * MatMul(x, W)          ->  MatMul(MatMul(x, L), R)
 * Gemm(a, W, c)         ->  Gemm(MatMul(a, L), R, c)   alpha, beta kept, transB = 0 (R is stored [r, out])
 * Gather(T, ids)        ->  MatMul(Gather(L, ids), R)  the embedding table T [V, H], L [V, E], R [E, H]
 * </pre>
 * x (L R) = (x L) R, so the bias (the following Add, or Gemm's c) stays on the second product, and
 * the second node keeps the original's name and output, so whatever read the product is untouched.
 */
final class LowRankRewrite {
    private final Graph graph;
    private final NameScope names;

    LowRankRewrite(Graph graph) {
        this.graph = graph;
        this.names = graph.nameScope();
    }

    /** Replaces {@code weight} (read by {@code nodes}) with the factors; returns the two initializer names. */
    void apply(Tensor weight, List<Node> nodes, Svd.Factors f, int in, int out) {
        String left = names.fresh(weight.name() + ".lowrank_left");
        String right = names.fresh(weight.name() + ".lowrank_right");
        graph.addInitializer(Tensor.ofFloats(left, new long[] {in, f.rank()}, f.left()));
        graph.addInitializer(Tensor.ofFloats(right, new long[] {f.rank(), out}, f.right()));
        for (Node n : nodes) {
            String thin = names.fresh(n.output(0) + ".lowrank");
            Node first = n.is("Gather")
                    ? withAttributesOf(n, Node.of(names.fresh(n.name() + ".lowrank"), "Gather", List.of(left, n.input(1)), List.of(thin)))
                    : Node.of(names.fresh(n.name() + ".lowrank"), "MatMul", List.of(n.input(0), left), List.of(thin));
            Node second;
            if (n.is("Gemm")) {
                List<String> inputs = new java.util.ArrayList<>(n.inputs());
                inputs.set(0, thin);
                inputs.set(1, right);
                second = withAttributesOf(n, Node.of(n.name(), "Gemm", inputs, n.outputs()));
                second.removeAttribute("transB");
            } else {
                second = Node.of(n.name(), "MatMul", List.of(thin, right), n.outputs());
            }
            graph.replaceNode(n, List.of(first, second));
        }
        graph.removeInitializer(weight.name());
        graph.removeValueInfo(weight.name());
    }

    private static Node withAttributesOf(Node from, Node to) {
        from.attributes().values().forEach(to::put);
        return to;
    }
}
