package dev.nncj.transformer;

import dev.nncj.onnx.Node;
import dev.nncj.onnx.Tensor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Matches the feed-forward block reading hidden state x: u = x W1 + b1, a = act(u), y = a W2 + b2,
 * where W1 is [H, F] and W2 [F, H]. The activation is every node between u and the MatMul by the
 * [F, H] constant (at most {@value #MAX_ACTIVATION_NODES} nodes, all reached only from u), which
 * {@link ActivationMatcher} must recognize.
 */
final class FeedForwardMatcher {
    record Matched(FeedForwardSpec spec, String output) {}

    private static final int MAX_ACTIVATION_NODES = 12;

    private final GraphView g;
    private final LinearMatcher linears;
    private final ActivationMatcher activations;

    FeedForwardMatcher(GraphView g) {
        this.g = g;
        this.linears = new LinearMatcher(g);
        this.activations = new ActivationMatcher(g);
    }

    Matched match(String x, String where) {
        List<Node> ups = g.users(x).stream().filter(n -> linears.isDense(n, x)).toList();
        if (ups.size() != 1) {
            throw new PatternMismatch(where + "FFN: expected one MatMul by a constant reading " + g.describe(x)
                    + ", found " + GraphView.opsOf(g.users(x)));
        }
        LinearMatcher.Matched up = linears.match(ups.get(0), where + "FFN up projection");
        int hidden = up.linear().in();
        int width = up.linear().out();
        // walk forward from u to the MatMul by a [F, H] constant; what lies between is the activation
        Set<Node> between = new LinkedHashSet<>();
        Node down = null;
        Deque<String> work = new ArrayDeque<>(List.of(up.output()));
        while (!work.isEmpty()) {
            for (Node n : g.users(work.pop())) {
                if (n.is("MatMul")) {
                    boolean isDown = linears.weight(n.input(1))
                            .filter(w -> w.dim(0) == width && w.dim(1) == hidden).isPresent();
                    if (!isDown || (down != null && down != n)) {
                        throw new PatternMismatch(where + "FFN: expected the down projection MatMul by a [" + width
                                + ", " + hidden + "] constant after " + g.describe(up.output()) + ", found '"
                                + n.name() + "'");
                    }
                    down = n;
                } else if (between.add(n)) {
                    if (between.size() > MAX_ACTIVATION_NODES) {
                        throw new PatternMismatch(where + "FFN: no down projection within " + MAX_ACTIVATION_NODES
                                + " nodes of " + g.describe(up.output()));
                    }
                    work.addAll(n.outputs());
                }
            }
        }
        if (down == null) {
            throw new PatternMismatch(where + "FFN: no down projection MatMul after " + g.describe(up.output()));
        }
        for (Node n : between) {
            for (String in : n.inputs()) {
                boolean inside = in.equals(up.output()) || g.constant(in).isPresent()
                        || g.producer(in).filter(between::contains).isPresent();
                if (!inside) {
                    throw new PatternMismatch(where + "FFN activation: node '" + n.name()
                            + "' reads a value from outside the activation (" + in + ")");
                }
            }
        }
        LinearMatcher.Matched dn = linears.match(down, where + "FFN down projection");
        Linear upLinear = up.linear();
        Activation act;
        Node only = between.size() == 1 ? between.iterator().next() : null;
        Optional<Activation> biased = only == null ? Optional.empty() : biasedActivation(only);
        if (biased.isPresent() && up.output().equals(up.matmul().output(0))) {
            // ORT's BiasGelu(x W1, b1) = GELU_erf(x W1 + b1), FastGelu(x W1, b1) = GELU_tanh(x W1 + b1):
            // the bias moves back into the projection
            Optional<Tensor> bias = g.constant(only.input(1))
                    .filter(t -> t.rank() == 1 && t.dim(0) == width && t.type().isFloatingPoint());
            if (bias.isEmpty()) {
                throw new PatternMismatch(where + "FFN: " + only.opType() + " '" + only.name() + "' has no constant ["
                        + width + "] bias");
            }
            upLinear = new Linear(upLinear.weight(), bias.get());
            act = biased.get();
            g.recognized("FFN activation", "fused com.microsoft." + only.opType() + " (bias + GELU)");
        } else {
            act = activations.classify(new ArrayList<>(between), up.output(), where);
        }
        return new Matched(new FeedForwardSpec(upLinear, dn.linear(), act), dn.output());
    }

    /** The GELU of ORT's bias-taking activations: com.microsoft BiasGelu, and FastGelu given a bias input. */
    private static Optional<Activation> biasedActivation(Node n) {
        if (!n.domain().equals("com.microsoft") || n.inputs().size() != 2 || n.input(1).isEmpty()) {
            return Optional.empty();
        }
        return switch (n.opType()) {
            case "BiasGelu" -> Optional.of(Activation.GELU_ERF);
            case "FastGelu" -> Optional.of(Activation.GELU_TANH);
            default -> Optional.empty();
        };
    }
}
