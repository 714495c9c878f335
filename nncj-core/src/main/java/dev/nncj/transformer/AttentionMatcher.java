package dev.nncj.transformer;

import dev.nncj.onnx.Node;
import dev.nncj.onnx.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Matches BERT self-attention reading hidden state x, as PyTorch exports it:
 * <pre>
 * Q = Reshape(x Wq + bq, [B, S, heads, d]) ─ Transpose(0,2,1,3)          [B, h, S, d]
 * K = Reshape(x Wk + bk, [B, S, heads, d]) ─ Transpose(0,2,3,1)          [B, h, d, S]
 * V = Reshape(x Wv + bv, [B, S, heads, d]) ─ Transpose(0,2,1,3)          [B, h, S, d]
 * P = Softmax(MatMul(Q, K) / sqrt(d) + mask)   (Div or Mul by a constant, here or on Q and K)
 * y = Reshape(Transpose(MatMul(P, V), 0,2,1,3), [B, S, h*d]) Wo + bo
 * </pre>
 * Q, K and V are told apart by where their paths end (scores MatMul input 0 or 1, context MatMul
 * input 1) and checked by the composed transposes, never by names. The scale is the product of
 * every constant Mul/Div on the score path. The mask operand must be computed from the graph's
 * attention-mask input, and its additive value c is read from (1 - mask) * c.
 */
final class AttentionMatcher {
    record Matched(AttentionSpec spec, Optional<Float> maskValue, String output) {}

    /** Where a projection's head-splitting path ends: the MatMul, which input, and what it passed. */
    private record Path(Linear linear, Node matmul, int inputIndex, int[] axes, int heads, int headSize, float scale) {}

    private static final int[] BHSD = {0, 2, 1, 3};
    private static final int[] BHDS = {0, 2, 3, 1};

    private final GraphView g;
    private final LinearMatcher linears;
    private final Optional<String> maskInput;

    AttentionMatcher(GraphView g, Optional<String> maskInput) {
        this.g = g;
        this.linears = new LinearMatcher(g);
        this.maskInput = maskInput;
    }

    /** True when {@code x} feeds either attention form: three projections or one fused Attention op. */
    boolean startsAt(String x) {
        return g.users(x).stream().filter(n -> linears.isDense(n, x)).count() == 3
                || g.users(x).stream().anyMatch(AttentionMatcher::isFused);
    }

    private static boolean isFused(Node n) {
        return n.domain().equals("com.microsoft") && n.opType().equals("Attention");
    }

    Matched match(String x, String where) {
        Optional<Node> fused = g.users(x).stream().filter(AttentionMatcher::isFused).findFirst();
        if (fused.isPresent()) {
            return matchFused(fused.get(), x, where);
        }
        List<Node> projections = g.users(x).stream().filter(n -> linears.isDense(n, x)).toList();
        if (projections.size() != 3) {
            throw new PatternMismatch(where + "attention: expected Q, K and V MatMuls reading " + g.describe(x)
                    + ", found " + GraphView.opsOf(g.users(x)));
        }
        List<Path> paths = new ArrayList<>();
        for (Node p : projections) {
            paths.add(headPath(linears.match(p, where + "attention projection"), where));
        }
        Node scores = null;
        for (Path p : paths) {
            if (p.inputIndex == 0 && paths.stream().anyMatch(o -> o.matmul == p.matmul && o.inputIndex == 1)) {
                scores = p.matmul;
            }
        }
        if (scores == null) {
            throw new PatternMismatch(where + "attention: no MatMul of two projections (Q K^T) after node '"
                    + projections.get(0).name() + "'");
        }
        Node scoresNode = scores;
        Path q = paths.stream().filter(p -> p.matmul == scoresNode && p.inputIndex == 0).findFirst().orElseThrow();
        Path k = paths.stream().filter(p -> p.matmul == scoresNode && p.inputIndex == 1).findFirst().orElseThrow();
        Path v = paths.stream().filter(p -> p != q && p != k).findFirst().orElseThrow();
        requireAxes(q, BHSD, "Q", where);
        requireAxes(k, BHDS, "K (transposed)", where);
        requireAxes(v, BHSD, "V", where);
        if (q.heads != k.heads || q.heads != v.heads || q.headSize != k.headSize || q.headSize != v.headSize) {
            throw new PatternMismatch(where + "attention: Q, K, V split into different heads at node '"
                    + q.matmul.name() + "'");
        }
        if (v.scale != 1f) {
            throw new PatternMismatch(where + "attention: V is scaled on its way to node '" + v.matmul.name() + "'");
        }

        // scores: constant Mul/Div (the scale) and the mask Add, in any order, then Softmax
        // ORT's FusedMatMul folds the score scale (alpha) into the Q K^T product
        float scale = q.scale * k.scale * (isFusedMatMul(scores) ? scores.floatAttribute("alpha", 1f) : 1f);
        Optional<Float> maskValue = Optional.empty();
        String s = scores.output(0);
        Node n = single(s, where + "attention scores");
        while (!n.is("Softmax")) {
            Optional<Float> c = scaling(n, s);
            if (c.isPresent()) {
                scale *= c.get();
            } else if (n.is("Add") && maskValue.isEmpty()) {
                maskValue = Optional.of(maskValue(g.other(n, s, where), n, where));
            } else if (n.is("Where") && maskValue.isEmpty()) {
                maskValue = Optional.of(maskFill(n, s, where));
            } else {
                throw new PatternMismatch(where + "attention: expected Softmax after the scale and mask at node '"
                        + n.name() + "', found " + n.opType());
            }
            s = n.output(0);
            n = single(s, where + "attention scores");
        }
        long axis = n.intAttribute("axis", -1);
        if (axis != -1 && axis != 3) {
            throw new PatternMismatch(where + "attention: Softmax '" + n.name() + "' is over axis " + axis
                    + ", not the key axis");
        }
        if (maskInput.isPresent() && maskValue.isEmpty()) {
            throw new PatternMismatch(where + "attention: no mask Add before Softmax '" + n.name() + "'");
        }
        Node context = single(n.output(0), where + "attention probabilities");
        if (context != v.matmul || v.inputIndex != 1 || !context.input(0).equals(n.output(0))
                || isFusedMatMul(context) && (context.floatAttribute("alpha", 1f) != 1f || transposes(context, 0)
                || transposes(context, 1))) {
            throw new PatternMismatch(where + "attention: expected MatMul(Softmax, V) after Softmax '" + n.name()
                    + "', found " + context.opType() + " '" + context.name() + "'");
        }

        // merge heads: Transpose(0,2,1,3), Reshape to [B, S, h*d], output projection
        Node t = g.onlyUser(context.output(0), "Transpose", where + "attention head merge");
        if (!java.util.Arrays.equals(perm(t), BHSD)) {
            throw new PatternMismatch(where + "attention: Transpose '" + t.name() + "' does not merge heads back");
        }
        Node r = g.onlyUser(t.output(0), "Reshape", where + "attention head merge");
        Node out = single(r.output(0), where + "attention output");
        LinearMatcher.Matched o = linears.match(out, where + "attention output projection");
        if (o.linear().in() != q.heads * q.headSize) {
            throw new PatternMismatch(where + "attention: output projection '" + out.name() + "' reads "
                    + o.linear().in() + " units, not heads x head size");
        }
        AttentionSpec spec = new AttentionSpec(q.heads, q.headSize, q.linear, k.linear, v.linear, o.linear(), scale);
        g.recognized("attention", "MatMul/Softmax (Q K^T, scaled, masked)");
        return new Matched(spec, maskValue, o.output());
    }

    /**
     * com.microsoft.Attention(x, W[H, 3 * h * d], b[3 * h * d], mask_index), as ORT's fusion or
     * NNCJ's fused emitter writes it: Q, K, V are the three column blocks of W; the scale defaults
     * to 1/sqrt(d) and the mask value to -10000 (the op's documented defaults).
     */
    private Matched matchFused(Node att, String x, String where) {
        String pattern = where + "fused attention '" + att.name() + "': ";
        if (!att.input(0).equals(x) || att.intAttribute("unidirectional", 0) != 0 || att.inputs().size() > 4
                || att.outputs().size() > 1 && !att.output(1).isEmpty()) {
            throw new PatternMismatch(pattern + "expected bidirectional self-attention without past state");
        }
        Optional<Tensor> w = g.constant(att.input(1)).filter(t -> t.rank() == 2 && t.type().isFloatingPoint());
        Optional<Tensor> b = g.constant(att.input(2)).filter(t -> t.rank() == 1 && t.type().isFloatingPoint());
        if (w.isEmpty() || b.isEmpty() || w.get().dim(1) % 3 != 0 || !att.intsAttribute("qkv_hidden_sizes").stream()
                .allMatch(v -> v * 3 == w.get().dim(1))) {
            throw new PatternMismatch(pattern + "expected constant packed Q/K/V weights [H, 3 x width] and bias");
        }
        int width = (int) (w.get().dim(1) / 3);
        int heads = (int) att.intAttribute("num_heads", 0);
        if (heads <= 0 || width % heads != 0) {
            throw new PatternMismatch(pattern + "num_heads " + heads + " does not divide the width " + width);
        }
        Linear packed = new Linear(w.get(), b.get());
        Linear[] qkv = new Linear[3];
        for (int part = 0; part < 3; part++) {
            int[] columns = new int[width];
            for (int i = 0; i < width; i++) {
                columns[i] = part * width + i;
            }
            qkv[part] = packed.keepOutputs(columns);
        }
        Optional<Float> maskValue = Optional.empty();
        if (!att.input(3).isEmpty()) {
            if (maskInput.isEmpty() || !g.dependsOn(att.input(3), maskInput.get())) {
                throw new PatternMismatch(pattern + "its mask_index does not come from the attention-mask input");
            }
            maskValue = Optional.of(att.floatAttribute("mask_filter_value", -10000f));
        } else if (maskInput.isPresent()) {
            throw new PatternMismatch(pattern + "has no mask_index though the graph has an attention-mask input");
        }
        int headSize = width / heads;
        float scale = att.floatAttribute("scale", (float) (1 / Math.sqrt(headSize)));
        Node out = single(att.output(0), where + "attention output");
        LinearMatcher.Matched o = linears.match(out, where + "attention output projection");
        AttentionSpec spec = new AttentionSpec(heads, headSize, qkv[0], qkv[1], qkv[2], o.linear(), scale);
        g.recognized("attention", "fused com.microsoft.Attention");
        return new Matched(spec, maskValue, o.output());
    }

    /** Follows a projection through Reshape, Transposes and constant scaling to the MatMul it feeds. */
    private Path headPath(LinearMatcher.Matched proj, String where) {
        String value = proj.output();
        Node n = single(value, where + "attention head split");
        if (!n.is("Reshape")) {
            throw new PatternMismatch(where + "attention: expected Reshape to [B, S, heads, head size] after node '"
                    + proj.matmul().name() + "', found " + n.opType() + " '" + n.name() + "'");
        }
        long[] tail = reshapeTail(n, where);
        int heads = (int) tail[0];
        int headSize = (int) tail[1];
        if (heads * headSize != proj.linear().out()) {
            throw new PatternMismatch(where + "attention: Reshape '" + n.name() + "' splits " + proj.linear().out()
                    + " units into " + heads + " x " + headSize);
        }
        int[] axes = {0, 1, 2, 3};
        float scale = 1f;
        value = n.output(0);
        n = single(value, where + "attention head split");
        while (!n.is("MatMul") && !isFusedMatMul(n)) {
            if (n.is("Transpose")) {
                int[] p = perm(n);
                int[] next = new int[4];
                for (int i = 0; i < 4; i++) {
                    next[i] = axes[p[i]];
                }
                axes = next;
            } else if (scaling(n, value).isPresent()) {
                scale *= scaling(n, value).get();
            } else {
                throw new PatternMismatch(where + "attention: expected Transpose, scaling or MatMul after the head split"
                        + " at node '" + n.name() + "', found " + n.opType());
            }
            value = n.output(0);
            n = single(value, where + "attention head split");
        }
        int index = n.input(0).equals(value) ? 0 : 1;
        if (isFusedMatMul(n) && transposes(n, index)) {
            // FusedMatMul's transA/transB swap the operand's last two axes before the product
            axes = new int[] {axes[0], axes[1], axes[3], axes[2]};
        }
        return new Path(proj.linear(), n, index, axes, heads, headSize, scale);
    }

    /** The last two entries of a Reshape target: a constant, or a Concat whose last two parts are. */
    private long[] reshapeTail(Node reshape, String where) {
        Optional<Tensor> direct = g.constant(reshape.input(1));
        if (direct.isPresent() && direct.get().numElements() == 4) {
            long[] v = direct.get().toLongs();
            return new long[] {v[2], v[3]};
        }
        Optional<Node> concat = g.producer(reshape.input(1)).filter(p -> p.is("Concat") && p.inputs().size() == 4);
        if (concat.isPresent()) {
            Optional<Tensor> a = g.constant(concat.get().input(2)).filter(t -> t.numElements() == 1);
            Optional<Tensor> b = g.constant(concat.get().input(3)).filter(t -> t.numElements() == 1);
            if (a.isPresent() && b.isPresent()) {
                return new long[] {a.get().toLongs()[0], b.get().toLongs()[0]};
            }
        }
        throw new PatternMismatch(where + "attention: the target shape of Reshape '" + reshape.name()
                + "' does not end in constant [heads, head size]");
    }

    /**
     * c from mask' = (1 - Cast(mask)) * c: the Mul by a scalar whose other operand is Sub(1, .),
     * somewhere on the way from the graph's mask input to the Add.
     */
    private float maskValue(String operand, Node add, String where) {
        if (maskInput.isEmpty() || !g.dependsOn(operand, maskInput.get())) {
            throw new PatternMismatch(where + "attention: the Add '" + add.name()
                    + "' before Softmax does not read the attention-mask input");
        }
        java.util.Deque<String> work = new java.util.ArrayDeque<>(List.of(operand));
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
                return g.scalar(m.input(1)).get();
            }
            if (m.is("Mul")) {
                for (int i = 0; i < 2; i++) {
                    Optional<Float> c = g.scalar(m.input(i));
                    Optional<Node> sub = g.producer(m.input(1 - i)).filter(s -> s.is("Sub"));
                    if (c.isPresent() && sub.isPresent() && g.scalar(sub.get().input(0)).filter(one -> one == 1f).isPresent()) {
                        return c.get();
                    }
                }
            }
            work.addAll(m.inputs());
        }
        throw new PatternMismatch(where + "attention: the mask added at node '" + add.name()
                + "' is not of the form (1 - mask) * c");
    }

    /**
     * c from masked_fill: Where(cond, c, scores) with cond true at padding, or Where(cond, scores, c)
     * with cond true at real tokens; cond must come from the mask input. Softmax gives the same
     * probabilities as the additive (1 - mask) * c the emitter writes: exp(c + s - max) and
     * exp(c - max) both underflow to 0 for c = float32.min (a row with no real token aside).
     */
    private float maskFill(Node where, String scores, String at) {
        int fillIndex = where.input(2).equals(scores) ? 1 : where.input(1).equals(scores) ? 2 : -1;
        Optional<Float> fill = fillIndex < 0 ? Optional.empty() : g.scalar(where.input(fillIndex));
        if (fill.isEmpty() || maskInput.isEmpty() || !g.dependsOn(where.input(0), maskInput.get())) {
            throw new PatternMismatch(at + "attention: Where '" + where.name()
                    + "' before Softmax is not masked_fill(mask, constant) on the attention-mask input");
        }
        return fill.get();
    }

    /** com.microsoft.FusedMatMul: alpha * op(A) op(B), what ORT's optimizer makes of MatMul then a scale. */
    private static boolean isFusedMatMul(Node n) {
        return n.domain().equals("com.microsoft") && n.opType().equals("FusedMatMul")
                && n.intAttribute("transBatchA", 0) == 0 && n.intAttribute("transBatchB", 0) == 0;
    }

    private static boolean transposes(Node fused, int input) {
        return fused.intAttribute(input == 0 ? "transA" : "transB", 0) != 0;
    }

    /** The factor of x * c, c * x or x / c by a scalar constant c, as a multiplier. */
    private Optional<Float> scaling(Node n, String x) {
        if (n.is("Mul")) {
            return g.scalar(n.input(0).equals(x) ? n.input(1) : n.input(0));
        }
        if (n.is("Div") && n.input(0).equals(x)) {
            return g.scalar(n.input(1)).map(c -> 1f / c);
        }
        return Optional.empty();
    }

    private void requireAxes(Path p, int[] expected, String what, String where) {
        if (!java.util.Arrays.equals(p.axes, expected)) {
            throw new PatternMismatch(where + "attention: " + what + " reaches MatMul '" + p.matmul.name()
                    + "' with axes " + java.util.Arrays.toString(p.axes) + " of [B, S, heads, d], expected "
                    + java.util.Arrays.toString(expected));
        }
    }

    private Node single(String value, String pattern) {
        List<Node> users = g.users(value);
        if (users.size() != 1) {
            throw new PatternMismatch(pattern + ": expected one node reading " + g.describe(value) + ", found "
                    + GraphView.opsOf(users));
        }
        return users.get(0);
    }

    private static int[] perm(Node transpose) {
        return transpose.intsAttribute("perm").stream().mapToInt(Long::intValue).toArray();
    }
}
