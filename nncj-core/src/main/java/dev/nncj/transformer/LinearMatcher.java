package dev.nncj.transformer;

import dev.nncj.onnx.Node;
import dev.nncj.onnx.Tensor;
import java.util.List;
import java.util.Optional;

/**
 * Matches a dense layer y = x W + b in the forms exporters write:
 * <pre>
 * MatMul(x, W) + b          W a constant [in, out], the bias Add in either operand order (or none)
 * MatMul(x, Transpose(W'))  W' a constant [out, in] (PyTorch's weight, transposed in the graph)
 * Gemm(x, W, b)             alpha = beta = 1, x not transposed, W [in, out] or [out, in] with transB
 * </pre>
 * A MatMul without a bias Add gets a zero bias, so the emitted graph computes the same function.
 * Gemm (and ORT's FusedGemm) only reads 2-D x: the pooler and classifier of a dynamo export.
 */
final class LinearMatcher {
    record Matched(Linear linear, Node matmul, String output) {}

    private final GraphView g;

    LinearMatcher(GraphView g) {
        this.g = g;
    }

    /** True when {@code n} is a MatMul reading {@code x} times a constant matrix. */
    boolean isDense(Node n, String x) {
        return n.is("MatMul") && n.input(0).equals(x) && weight(n.input(1)).isPresent();
    }

    /** The constant [in, out] matrix {@code value} holds: an initializer, or the Transpose of one. */
    Optional<Tensor> weight(String value) {
        Optional<Tensor> direct = g.constant(value).filter(LinearMatcher::floatMatrix);
        if (direct.isPresent()) {
            return direct;
        }
        return g.producer(value).filter(p -> p.is("Transpose") && List.of(1L, 0L).equals(p.intsAttribute("perm")))
                .flatMap(p -> g.constant(p.input(0)).filter(LinearMatcher::floatMatrix)).map(LinearMatcher::transposed);
    }

    Matched match(Node node, String what) {
        if (isGemm(node)) {
            g.recognized("linear", "Gemm");
            return new Matched(gemm(node, what), node, node.output(0));
        }
        Optional<Tensor> w = node.is("MatMul") ? weight(node.input(1)) : Optional.empty();
        if (w.isEmpty()) {
            throw new PatternMismatch(what + ": expected MatMul by a constant matrix (or Gemm) at node '" + node.name()
                    + "', found " + node.opType());
        }
        g.recognized("linear", g.constant(node.input(1)).isPresent() ? "MatMul + Add" : "MatMul by Transpose(W) + Add");
        String y = node.output(0);
        List<Node> users = g.users(y);
        if (users.size() == 1 && users.get(0).is("Add")) {
            Node add = users.get(0);
            Optional<Tensor> b = g.constant(g.other(add, y, what))
                    .filter(t -> t.rank() == 1 && t.dim(0) == w.get().dim(1) && t.type().isFloatingPoint());
            if (b.isPresent()) {
                return new Matched(new Linear(w.get(), b.get()), node, add.output(0));
            }
        }
        Tensor zero = Tensor.ofFloats(w.get().name() + ".bias", new long[] {w.get().dim(1)}, new float[(int) w.get().dim(1)]);
        return new Matched(new Linear(w.get(), zero), node, y);
    }

    static boolean isGemm(Node n) {
        return n.is("Gemm") || n.domain().equals("com.microsoft") && n.opType().equals("FusedGemm");
    }

    /** Gemm(x, B, C) with alpha = beta = 1 and x not transposed, as x W + b (W = B, or B^T when transB). */
    private Linear gemm(Node n, String what) {
        Optional<Tensor> b = g.constant(n.input(1)).filter(LinearMatcher::floatMatrix);
        Optional<Tensor> c = n.inputs().size() < 3 ? Optional.empty()
                : g.constant(n.input(2)).filter(t -> t.rank() == 1 && t.type().isFloatingPoint());
        if (b.isEmpty() || c.isEmpty() || n.intAttribute("transA", 0) != 0 || n.floatAttribute("alpha", 1f) != 1f
                || n.floatAttribute("beta", 1f) != 1f) {
            throw new PatternMismatch(what + ": " + n.opType() + " '" + n.name() + "' is not x W + b with constant W and b");
        }
        Tensor w = n.intAttribute("transB", 0) != 0 ? transposed(b.get()) : b.get();
        return new Linear(w, c.get());
    }

    private static boolean floatMatrix(Tensor t) {
        return t.rank() == 2 && t.type().isFloatingPoint();
    }

    private static Tensor transposed(Tensor w) {
        float[] v = w.toFloats();
        int rows = (int) w.dim(0);
        int cols = (int) w.dim(1);
        float[] t = new float[v.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t[j * rows + i] = v[i * cols + j];
            }
        }
        return Tensor.ofFloats(w.name(), new long[] {cols, rows}, t);
    }
}
