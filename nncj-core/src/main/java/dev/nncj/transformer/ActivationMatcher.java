package dev.nncj.transformer;

import dev.nncj.onnx.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Recognizes the FFN activation between value u (x W1 + b1) and the value the second projection
 * reads: a single Relu, a single Gelu (opset 20, or com.microsoft Gelu/FastGelu), or a decomposed
 * GELU, told apart by its defining op and checked by its constants:
 * <pre>
 * erf form:  u * 0.5 * (1 + Erf(u / 1.41421))      (or u * 0.70711 inside Erf)
 * tanh form: 0.5 * u * (1 + Tanh(0.79788 * (u + 0.044715 * u^3)))
 * </pre>
 */
final class ActivationMatcher {
    private static final Set<String> ARITHMETIC = Set.of("Add", "Mul", "Div", "Pow", "Erf", "Tanh");
    private static final float TOLERANCE = 1e-4f;

    private final GraphView g;

    ActivationMatcher(GraphView g) {
        this.g = g;
    }

    /** The activation of the nodes {@code nodes} (everything between u and the down projection). */
    Activation classify(List<Node> nodes, String u, String where) {
        if (nodes.size() == 1) {
            Node n = nodes.get(0);
            if (n.is("Relu")) {
                return Activation.RELU;
            }
            if (n.opType().equals("Gelu")) {
                g.recognized("FFN activation", n.domain().equals("com.microsoft") ? "fused com.microsoft.Gelu" : "Gelu op");
                return n.stringAttribute("approximate", "none").equals("tanh") ? Activation.GELU_TANH : Activation.GELU_ERF;
            }
            if (n.opType().equals("FastGelu") && n.domain().equals("com.microsoft") && n.inputs().size() == 1) {
                g.recognized("FFN activation", "fused com.microsoft.FastGelu");
                return Activation.GELU_TANH;
            }
        }
        Set<String> ops = new TreeSet<>();
        List<Float> constants = new ArrayList<>();
        for (Node n : nodes) {
            ops.add(n.opType());
            for (String in : n.inputs()) {
                g.scalar(in).ifPresent(constants::add);
            }
        }
        if (ARITHMETIC.containsAll(ops) && ops.contains("Erf") && !ops.contains("Tanh")
                && (has(constants, (float) Math.sqrt(2)) || has(constants, (float) Math.sqrt(0.5)))
                && has(constants, 1f) && has(constants, 0.5f)) {
            return Activation.GELU_ERF;
        }
        if (ARITHMETIC.containsAll(ops) && ops.contains("Tanh") && !ops.contains("Erf")
                && has(constants, 0.044715f) && has(constants, (float) Math.sqrt(2 / Math.PI))
                && has(constants, 1f) && has(constants, 0.5f)) {
            return Activation.GELU_TANH;
        }
        throw new PatternMismatch(where + "FFN activation: expected Relu or GELU (erf or tanh form, with its"
                + " constants) after " + g.describe(u) + ", found " + ops + " with constants " + constants);
    }

    private static boolean has(List<Float> constants, float value) {
        Optional<Float> hit = constants.stream().filter(c -> Math.abs(c - value) <= TOLERANCE * Math.max(1, Math.abs(value))).findFirst();
        return hit.isPresent();
    }
}
