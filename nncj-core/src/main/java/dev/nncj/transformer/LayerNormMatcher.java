package dev.nncj.transformer;

import dev.nncj.onnx.Node;
import dev.nncj.onnx.Tensor;
import java.util.List;
import java.util.Optional;

/**
 * Matches a LayerNorm over the last axis reading value x, in either form an exporter writes:
 * <pre>
 * LayerNormalization(x, gamma, beta)                                    (opset 17+, one op)
 * d = x - ReduceMean(x); y = d / Sqrt(ReduceMean(Pow(d, 2)) + eps) * gamma + beta   (decomposed)
 * </pre>
 * The decomposed form also accepts d * d for Pow(d, 2) and either operand order of the Adds and
 * Muls. Returns the parameters and the output value.
 */
final class LayerNormMatcher {
    record Matched(LayerNormSpec spec, String output) {}

    private final GraphView g;

    LayerNormMatcher(GraphView g) {
        this.g = g;
    }

    Matched match(String x, String where) {
        List<Node> users = g.users(x);
        Optional<Node> fused = users.stream().filter(n -> n.is("LayerNormalization")).findFirst();
        if (fused.isPresent()) {
            g.recognized("LayerNorm", "LayerNormalization op");
            return fused(fused.get(), where);
        }
        Optional<Node> mean = users.stream().filter(n -> n.is("ReduceMean")).findFirst();
        Optional<Node> sub = users.stream().filter(n -> n.is("Sub") && n.input(0).equals(x)).findFirst();
        if (mean.isEmpty() || sub.isEmpty() || !sub.get().input(1).equals(mean.get().output(0))) {
            throw new PatternMismatch(where + ": expected a LayerNorm (LayerNormalization, or ReduceMean and Sub"
                    + " of the mean) reading " + g.describe(x) + ", found " + GraphView.opsOf(users));
        }
        requireLastAxis(mean.get(), where);
        String d = sub.get().output(0);
        List<Node> dUsers = g.users(d);
        Node square = dUsers.stream().filter(n -> n.is("Pow") || (n.is("Mul") && n.input(0).equals(d)
                && n.input(1).equals(d))).findFirst().orElseThrow(() -> new PatternMismatch(where
                + ": LayerNorm: expected Pow(d, 2) of the centred value at node '" + sub.get().name() + "', found "
                + GraphView.opsOf(dUsers)));
        if (square.is("Pow") && g.scalar(square.input(1)).filter(e -> e == 2f).isEmpty()) {
            throw new PatternMismatch(where + ": LayerNorm: Pow at node '" + square.name() + "' is not a square");
        }
        Node variance = g.onlyUser(square.output(0), "ReduceMean", where + ": LayerNorm variance");
        requireLastAxis(variance, where);
        Node addEps = g.onlyUser(variance.output(0), "Add", where + ": LayerNorm epsilon");
        Optional<Float> eps = g.scalar(g.other(addEps, variance.output(0), where));
        if (eps.isEmpty()) {
            throw new PatternMismatch(where + ": LayerNorm: epsilon at node '" + addEps.name() + "' is not a constant");
        }
        Node sqrt = g.onlyUser(addEps.output(0), "Sqrt", where + ": LayerNorm");
        Node div = g.onlyUser(sqrt.output(0), "Div", where + ": LayerNorm");
        if (!div.input(0).equals(d)) {
            throw new PatternMismatch(where + ": LayerNorm: Div at node '" + div.name() + "' does not divide the centred value");
        }
        Node mul = g.onlyUser(div.output(0), "Mul", where + ": LayerNorm scale");
        Tensor gamma = vector(g.other(mul, div.output(0), where), mul, "gamma", where);
        Node add = g.onlyUser(mul.output(0), "Add", where + ": LayerNorm shift");
        Tensor beta = vector(g.other(add, mul.output(0), where), add, "beta", where);
        g.recognized("LayerNorm", "decomposed (ReduceMean, Sub, Pow, Sqrt, Div)");
        return new Matched(new LayerNormSpec(gamma, beta, eps.get()), add.output(0));
    }

    /** ReduceMean over the hidden axis only: axes [-1] (or [2] of a rank-3 value), as attribute or, from opset 18, input. */
    private void requireLastAxis(Node reduce, String where) {
        List<Long> axes = reduce.intsAttribute("axes");
        if (axes.isEmpty() && !reduce.input(1).isEmpty()) {
            axes = g.constant(reduce.input(1)).map(t -> java.util.Arrays.stream(t.toLongs()).boxed().toList()).orElse(List.of());
        }
        if (!axes.equals(List.of(-1L)) && !axes.equals(List.of(2L))) {
            throw new PatternMismatch(where + ": LayerNorm: ReduceMean '" + reduce.name() + "' reduces axes " + axes
                    + ", not the hidden axis");
        }
    }

    private Matched fused(Node ln, String where) {
        long axis = ln.intAttribute("axis", -1);
        if (axis != -1 && axis != 2) {
            throw new PatternMismatch(where + ": LayerNormalization '" + ln.name() + "' normalizes axis " + axis
                    + ", not the hidden axis");
        }
        Tensor gamma = vector(ln.input(1), ln, "gamma", where);
        Tensor beta = ln.input(2).isEmpty() ? Tensor.ofFloats("beta", new long[] {gamma.dim(0)}, new float[(int) gamma.dim(0)])
                : vector(ln.input(2), ln, "beta", where);
        return new Matched(new LayerNormSpec(gamma, beta, ln.floatAttribute("epsilon", 1e-5f)), ln.output(0));
    }

    private Tensor vector(String value, Node at, String what, String where) {
        Optional<Tensor> t = g.constant(value).filter(v -> v.rank() == 1 && v.type().isFloatingPoint());
        if (t.isEmpty()) {
            throw new PatternMismatch(where + ": LayerNorm " + what + " at node '" + at.name()
                    + "' is not a constant vector");
        }
        return t.get();
    }
}
