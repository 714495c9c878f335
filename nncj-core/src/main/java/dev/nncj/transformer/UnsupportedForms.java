package dev.nncj.transformer;

import dev.nncj.onnx.Node;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Encoder forms NNCJ does not lift, told apart by structure before matching so the refusal names
 * the form and the node instead of the first pattern that happens to fail:
 * <ul>
 * <li>relative-position attention (DeBERTa): scores gathered by relative position
 * (GatherElements) added to the attention scores;</li>
 * <li>rotary positions (ModernBERT, RoFormer): Q and K rotated by Sin/Cos tables (rotate_half's
 * Neg and Concat, Sin or Cos, or ORT's RotaryEmbedding) before the attention scores;</li>
 * <li>gated FFN (GeGLU, ModernBERT): one projection split in two halves, an activation of one
 * multiplied by the other.</li>
 * </ul>
 */
final class UnsupportedForms {
    private final GraphView g;

    private UnsupportedForms(GraphView g) {
        this.g = g;
    }

    /** Throws a {@link PatternMismatch} naming the first unsupported form found. */
    static void check(GraphView g) {
        new UnsupportedForms(g).check();
    }

    private void check() {
        for (Node n : g.graph().nodes()) {
            if (n.is("GatherElements") && reachesSoftmax(n)) {
                throw new PatternMismatch("relative-position attention (DeBERTa) is not supported: GatherElements '"
                        + n.name() + "' gathers scores by relative position into the attention scores");
            }
            boolean rotation = n.is("Sin") || n.is("Cos") || n.opType().equals("RotaryEmbedding")
                    || n.is("Neg") && g.users(n.output(0)).stream().anyMatch(u -> u.is("Concat"));
            if (rotation && reachesSoftmax(n)) {
                throw new PatternMismatch("rotary positions (ModernBERT, RoFormer) are not supported: " + n.opType() + " '"
                        + n.name() + "' rotates Q and K by Sin/Cos tables before the attention scores; NNCJ reads"
                        + " learned position tables");
            }
            Optional<Node> split = gatedHalves(n);
            if (split.isPresent()) {
                throw new PatternMismatch("gated FFN (GeGLU) is not supported: Mul '" + n.name() + "' multiplies an"
                        + " activation of one half of " + split.get().opType() + " '" + split.get().name()
                        + "' by the other half; NNCJ reads FFNs of one up projection");
            }
        }
    }

    /**
     * For a Mul gating a projection: the Split (or Slice) that gives one operand directly, when the
     * other operand is computed from another part of the same projection output (a GELU's own
     * x * ... reads one part twice and is not a gate). Empty for any other node.
     */
    private Optional<Node> gatedHalves(Node mul) {
        if (!mul.is("Mul")) {
            return Optional.empty();
        }
        for (int i = 0; i < 2; i++) {
            String direct = mul.input(i);
            Optional<Node> half = g.producer(direct).filter(UnsupportedForms::isPart);
            if (half.isEmpty()) {
                continue;
            }
            String projected = half.get().input(0);
            boolean fromProjection = g.producer(projected).filter(p -> p.is("MatMul") || p.is("Add") || p.is("Gemm"))
                    .isPresent();
            String other = mul.input(1 - i);
            boolean fromOtherPart = g.users(projected).stream().filter(UnsupportedForms::isPart)
                    .flatMap(p -> p.outputs().stream()).filter(o -> !o.equals(direct))
                    .anyMatch(o -> g.dependsOn(other, o));
            if (fromProjection && fromOtherPart) {
                return half;
            }
        }
        return Optional.empty();
    }

    private static boolean isPart(Node n) {
        return n.is("Split") || n.is("Slice");
    }

    /**
     * True when a Softmax is computed from {@code n}'s outputs without a projection (a MatMul or
     * Gemm by a constant) in between: {@code n} shapes the attention scores of its own layer, it
     * is not, say, an FFN activation whose output reaches the next layer's attention.
     */
    private boolean reachesSoftmax(Node n) {
        Deque<String> work = new ArrayDeque<>(n.outputs());
        Set<String> seen = new HashSet<>();
        while (!work.isEmpty()) {
            String v = work.pop();
            if (!seen.add(v)) {
                continue;
            }
            for (Node u : g.users(v)) {
                if (u.is("Softmax")) {
                    return true;
                }
                boolean projection = (u.is("MatMul") || u.is("Gemm")) && g.constant(u.input(1)).isPresent();
                if (!projection) {
                    work.addAll(u.outputs());
                }
            }
        }
        return false;
    }
}
