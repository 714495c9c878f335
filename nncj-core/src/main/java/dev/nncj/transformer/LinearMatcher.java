package dev.nncj.transformer;

import dev.nncj.onnx.Node;
import dev.nncj.onnx.Tensor;
import java.util.List;
import java.util.Optional;

/**
 * Matches a dense layer y = x W + b: MatMul(x, W) with W a constant [in, out], then Add with a
 * constant [out] bias in either operand order. A MatMul without a bias Add gets a zero bias, so
 * the emitted graph computes the same function.
 */
final class LinearMatcher {
    record Matched(Linear linear, Node matmul, String output) {}

    private final GraphView g;

    LinearMatcher(GraphView g) {
        this.g = g;
    }

    /** True when {@code n} is a MatMul reading {@code x} times a constant matrix. */
    boolean isDense(Node n, String x) {
        return n.is("MatMul") && n.input(0).equals(x)
                && g.constant(n.input(1)).filter(w -> w.rank() == 2 && w.type().isFloatingPoint()).isPresent();
    }

    Matched match(Node matmul, String what) {
        Optional<Tensor> w = g.constant(matmul.input(1)).filter(t -> t.rank() == 2 && t.type().isFloatingPoint());
        if (!matmul.is("MatMul") || w.isEmpty()) {
            throw new PatternMismatch(what + ": expected MatMul by a constant matrix at node '" + matmul.name()
                    + "', found " + matmul.opType());
        }
        String y = matmul.output(0);
        List<Node> users = g.users(y);
        if (users.size() == 1 && users.get(0).is("Add")) {
            Node add = users.get(0);
            Optional<Tensor> b = g.constant(g.other(add, y, what))
                    .filter(t -> t.rank() == 1 && t.dim(0) == w.get().dim(1) && t.type().isFloatingPoint());
            if (b.isPresent()) {
                return new Matched(new Linear(w.get(), b.get()), matmul, add.output(0));
            }
        }
        Tensor zero = Tensor.ofFloats(w.get().name() + ".bias", new long[] {w.get().dim(1)}, new float[(int) w.get().dim(1)]);
        return new Matched(new Linear(w.get(), zero), matmul, y);
    }
}
