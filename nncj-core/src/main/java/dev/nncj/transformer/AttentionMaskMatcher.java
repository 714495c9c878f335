package dev.nncj.transformer;

import dev.nncj.onnx.Node;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the value c an attention mask gives padded keys, in the forms exporters write, from the
 * operand that meets the scores before Softmax. Each form must be computed from the graph's
 * attention-mask input:
 * <pre>
 * additive (1 - mask) * c                                         (transformers 4.x)
 * Where(Cast(1 - mask, bool), c, 1 - mask)                        (transformers 4.36+)
 * Where(keep, 0, c) with keep a boolean true at real tokens       (transformers 5.x eager mask,
 *     built with Cast/GatherND/Expand/And; c = finfo.min, or -inf from the exporters' SDPA)
 * Where(cond, c, scores) / Where(keep, scores, c)                 (masked_fill, DistilBERT)
 * </pre>
 * c = -inf is read as float32's lowest value: after Softmax both give padding exactly zero weight
 * as long as a row has one real key, and the emitter's (1 - mask) * c must stay finite.
 */
final class AttentionMaskMatcher {
    /** Ops that carry a boolean mask unchanged from their first input (indexing, broadcasting, casting). */
    private static final Set<String> CARRIERS = Set.of("Cast", "Expand", "GatherND", "Gather", "GatherElements",
            "Unsqueeze", "Squeeze", "Reshape", "Slice", "Identity", "Transpose", "Tile");
    private static final int MAX_STEPS = 64;

    private final GraphView g;
    private final Optional<String> maskInput;

    AttentionMaskMatcher(GraphView g, Optional<String> maskInput) {
        this.g = g;
        this.maskInput = maskInput;
    }

    /** c of the mask {@code operand} added to the scores at {@code add}. */
    float additive(String operand, Node add, String where) {
        if (maskInput.isEmpty() || !g.dependsOn(operand, maskInput.get())) {
            throw new PatternMismatch(where + "attention: the Add '" + add.name()
                    + "' before Softmax does not read the attention-mask input");
        }
        Deque<String> work = new ArrayDeque<>(List.of(operand));
        for (int steps = 0; !work.isEmpty() && steps < 16; steps++) {
            Optional<Node> p = g.producer(work.pop());
            if (p.isEmpty()) {
                continue;
            }
            Node m = p.get();
            // transformers >= 4.36: inverted = 1 - mask; Where(Cast(inverted, bool), c, inverted), which
            // is c at padding and 0 elsewhere: the same (1 - mask) * c for a 0/1 mask
            if (m.is("Where") && g.scalar(m.input(1)).isPresent() && g.producer(m.input(2))
                    .filter(sub -> sub.is("Sub") && g.scalar(sub.input(0)).filter(one -> one == 1f).isPresent()).isPresent()) {
                g.recognized("mask", "Where(1 - mask, c, 1 - mask) added to the scores");
                return finite(g.scalar(m.input(1)).get());
            }
            if (m.is("Where")) {
                Optional<Float> selected = booleanSelect(m, where);
                if (selected.isPresent()) {
                    return selected.get();
                }
            }
            if (m.is("Mul")) {
                for (int i = 0; i < 2; i++) {
                    Optional<Float> c = g.scalar(m.input(i));
                    Optional<Node> sub = g.producer(m.input(1 - i)).filter(s -> s.is("Sub"));
                    if (c.isPresent() && sub.isPresent() && g.scalar(sub.get().input(0)).filter(one -> one == 1f).isPresent()) {
                        g.recognized("mask", "(1 - mask) * c added to the scores");
                        return finite(c.get());
                    }
                }
            }
            work.addAll(m.inputs());
        }
        throw new PatternMismatch(where + "attention: the mask added at node '" + add.name()
                + "' is not of the form (1 - mask) * c or Where(mask, 0, c)");
    }

    /**
     * c from masked_fill: Where(cond, c, scores) with cond true at padding, or Where(cond, scores, c)
     * with cond true at real tokens; cond must come from the mask input. Softmax gives the same
     * probabilities as the additive (1 - mask) * c the emitter writes: exp(c + s - max) and
     * exp(c - max) both underflow to 0 for c = float32.min (a row with no real token aside).
     */
    float fill(Node where, String scores, String at) {
        int fillIndex = where.input(2).equals(scores) ? 1 : where.input(1).equals(scores) ? 2 : -1;
        Optional<Float> fill = fillIndex < 0 ? Optional.empty() : g.scalar(where.input(fillIndex));
        if (fill.isEmpty() || maskInput.isEmpty() || !g.dependsOn(where.input(0), maskInput.get())) {
            throw new PatternMismatch(at + "attention: Where '" + where.name()
                    + "' before Softmax is not masked_fill(mask, constant) on the attention-mask input");
        }
        g.recognized("mask", "masked_fill Where(mask, c, scores)");
        return finite(fill.get());
    }

    /**
     * Where(keep, 0, c) with keep true at real tokens, or Where(pad, c, 0) with pad true at
     * padding: the additive mask as a select. Empty when m is not of that form.
     */
    private Optional<Float> booleanSelect(Node m, String where) {
        Optional<Float> a = g.scalar(m.input(1));
        Optional<Float> b = g.scalar(m.input(2));
        if (a.isEmpty() || b.isEmpty() || (a.get() != 0f) == (b.get() != 0f)) {
            return Optional.empty();
        }
        boolean zeroAtTrue = a.get() == 0f;
        Optional<Boolean> trueAtRealTokens = trueAtRealTokens(m.input(0));
        if (trueAtRealTokens.isEmpty() || trueAtRealTokens.get() != zeroAtTrue) {
            throw new PatternMismatch(where + "attention: the condition of Where '" + m.name()
                    + "' is not the attention mask (true at real tokens, through Cast, GatherND, Expand, And, Not)");
        }
        g.recognized("mask", "boolean mask Where(mask, 0, c) added to the scores");
        return Optional.of(finite(zeroAtTrue ? b.get() : a.get()));
    }

    /**
     * Whether boolean {@code cond} is true at real tokens (or, false, at padding), traced back to
     * the mask input through ops that carry it, Not, Equal with 0 or 1, and And with a constant
     * all-true operand (transformers 5.x's bidirectional mask function). Empty when cond is
     * anything else, such as a causal or windowed mask.
     */
    private Optional<Boolean> trueAtRealTokens(String cond) {
        boolean polarity = true;
        String v = cond;
        for (int steps = 0; steps < MAX_STEPS; steps++) {
            if (maskInput.isPresent() && v.equals(maskInput.get())) {
                return Optional.of(polarity);
            }
            Optional<Node> p = g.producer(v);
            if (p.isEmpty()) {
                return Optional.empty();
            }
            Node n = p.get();
            if (CARRIERS.contains(n.opType()) && n.domain().isEmpty()) {
                v = n.input(0);
            } else if (n.is("Not")) {
                polarity = !polarity;
                v = n.input(0);
            } else if (n.is("Equal")) {
                int c = g.scalar(n.input(1)).isPresent() ? 1 : 0;
                Optional<Float> value = g.scalar(n.input(c));
                if (value.isEmpty() || value.get() != 0f && value.get() != 1f) {
                    return Optional.empty();
                }
                polarity = value.get() == 1f ? polarity : !polarity;
                v = n.input(1 - c);
            } else if (n.is("And")) {
                List<String> fromMask = n.inputs().stream().filter(i -> g.dependsOn(i, maskInput.orElse(""))).toList();
                List<String> others = n.inputs().stream().filter(i -> !fromMask.contains(i)).toList();
                if (fromMask.size() != 1 || !others.stream().allMatch(this::allTrue)) {
                    return Optional.empty();
                }
                v = fromMask.get(0);
            } else {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /** A constant whose every element is true (or nonzero), possibly broadcast by Expand. */
    private boolean allTrue(String value) {
        Optional<Node> expand = g.producer(value).filter(n -> n.is("Expand"));
        String source = expand.map(n -> n.input(0)).orElse(value);
        return g.constant(source).filter(t -> java.util.Arrays.stream(t.toLongs()).allMatch(x -> x != 0)).isPresent();
    }

    private static float finite(float c) {
        return c == Float.NEGATIVE_INFINITY ? -Float.MAX_VALUE : c;
    }
}
