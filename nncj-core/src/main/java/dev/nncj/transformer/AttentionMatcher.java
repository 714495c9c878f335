package dev.nncj.transformer;

import dev.nncj.onnx.Node;
import dev.nncj.onnx.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Matches BERT self-attention reading hidden state x, as PyTorch exports it:
 * <pre>
 * Q = Reshape(x Wq + bq, [B, S, heads, d]) ─ Transpose(0,2,1,3)          [B, h, S, d]   (heads or d may be -1)
 * K = Reshape(x Wk + bk, [B, S, heads, d]) ─ Transpose(0,2,3,1)          [B, h, d, S]
 * V = Reshape(x Wv + bv, [B, S, heads, d]) ─ Transpose(0,2,1,3)          [B, h, S, d]
 * P = Softmax(MatMul(Q, K) / sqrt(d) + mask)   (Div or Mul by a constant or its Sqrt, here or on Q and K)
 * y = Reshape(Transpose(MatMul(P, V), 0,2,1,3), [B, S, h*d]) Wo + bo
 * </pre>
 * Q, K and V are told apart by where their paths end (scores MatMul input 0 or 1, context MatMul
 * input 1) and checked by the composed transposes, never by names. The scale is the product of
 * every constant Mul/Div on the score path. The mask ({@link AttentionMaskMatcher}) must be
 * computed from the graph's attention-mask input; the softmax may be one op or decomposed, with
 * or without the dynamo exporter's NaN guard ({@link SoftmaxMatcher}).
 */
final class AttentionMatcher {
    record Matched(AttentionSpec spec, Optional<Float> maskValue, String output) {}

    /** Where a projection's head-splitting path ends: the MatMul, which input, and what it passed. */
    private record Path(Linear linear, Node matmul, int inputIndex, int[] axes, int heads, int headSize, float scale) {}

    private static final int[] BHSD = {0, 2, 1, 3};
    private static final int[] BHDS = {0, 2, 3, 1};

    private final GraphView g;
    private final LinearMatcher linears;
    private final SoftmaxMatcher softmax;
    private final AttentionMaskMatcher masks;
    private final Optional<String> maskInput;

    AttentionMatcher(GraphView g, Optional<String> maskInput) {
        this.g = g;
        this.linears = new LinearMatcher(g);
        this.softmax = new SoftmaxMatcher(g);
        this.masks = new AttentionMaskMatcher(g, maskInput);
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
        Optional<Node> multiHead = multiHead(x);
        if (multiHead.isPresent()) {
            return matchMultiHead(multiHead.get(), x, where);
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
        while (!softmax.startsAt(s)) {
            Node n = single(s, where + "attention scores");
            Optional<Float> c = scaling(n, s);
            if (c.isPresent()) {
                scale *= c.get();
            } else if (n.is("Add") && maskValue.isEmpty()) {
                maskValue = Optional.of(masks.additive(g.other(n, s, where), n, where));
            } else if (n.is("Where") && maskValue.isEmpty()) {
                maskValue = Optional.of(masks.fill(n, s, where));
            } else {
                throw new PatternMismatch(where + "attention: expected Softmax after the scale and mask at node '"
                        + n.name() + "', found " + n.opType());
            }
            s = n.output(0);
        }
        SoftmaxMatcher.Matched probs = softmax.match(s, where);
        if (maskInput.isPresent() && maskValue.isEmpty()) {
            throw new PatternMismatch(where + "attention: no mask Add before Softmax '" + probs.last().name() + "'");
        }
        Node context = single(probs.output(), where + "attention probabilities");
        if (context != v.matmul || v.inputIndex != 1 || !context.input(0).equals(probs.output())
                || isFusedMatMul(context) && (context.floatAttribute("alpha", 1f) != 1f || transposes(context, 0)
                || transposes(context, 1))) {
            throw new PatternMismatch(where + "attention: expected MatMul(Softmax, V) after " + probs.last().opType()
                    + " '" + probs.last().name() + "', found " + context.opType() + " '" + context.name() + "'");
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
        g.recognized("attention scale", q.scale != 1f || k.scale != 1f ? "on Q and K before Q K^T" : "on the scores");
        return new Matched(spec, maskValue, o.output());
    }

    /**
     * com.microsoft.Attention(x, W[H, 3 * h * d], b[3 * h * d]?, mask_index?), as ORT's fusions or
     * NNCJ's fused emitter write it: Q, K, V are the three column blocks of W (a missing bias is
     * zero); the scale defaults to 1/sqrt(d) and the mask value to -10000 (the op's documented
     * defaults). Refused: Q, K, V of different widths (qkv_hidden_sizes), and what
     * {@link #requireEncoderAttention} names.
     */
    private Matched matchFused(Node att, String x, String where) {
        String pattern = where + "fused attention '" + att.name() + "': ";
        if (!att.input(0).equals(x)) {
            throw new PatternMismatch(pattern + "expected self-attention reading " + g.describe(x));
        }
        requireEncoderAttention(att, 4, pattern);
        Optional<Tensor> w = g.constant(att.input(1)).filter(t -> t.rank() == 2 && t.type().isFloatingPoint());
        List<Long> sizes = att.intsAttribute("qkv_hidden_sizes");
        if (!sizes.isEmpty() && (sizes.size() != 3 || sizes.stream().distinct().count() != 1)) {
            throw new PatternMismatch(pattern + "Q, K and V have different widths " + sizes
                    + " (qkv_hidden_sizes); only equal widths are read");
        }
        if (w.isEmpty() || w.get().dim(1) % 3 != 0 || !sizes.isEmpty() && sizes.get(0) * 3 != w.get().dim(1)) {
            throw new PatternMismatch(pattern + "expected constant packed Q/K/V weights [H, 3 x width]");
        }
        int width = (int) (w.get().dim(1) / 3);
        Tensor bias = att.input(2).isEmpty()
                ? Tensor.ofFloats(w.get().name() + ".bias", new long[] {3L * width}, new float[3 * width])
                : g.constant(att.input(2)).filter(t -> t.rank() == 1 && t.dim(0) == 3L * width && t.type().isFloatingPoint())
                        .orElseThrow(() -> new PatternMismatch(pattern + "expected a constant packed Q/K/V bias [3 x "
                                + width + "]"));
        int heads = heads(att, width, pattern);
        Linear packed = new Linear(w.get(), bias);
        Linear[] qkv = new Linear[3];
        for (int part = 0; part < 3; part++) {
            qkv[part] = packed.keepOutputs(block(part, width));
        }
        Optional<Float> maskValue = fusedMask(att, att.input(3), pattern);
        Matched m = fusedOutput(att, heads, width / heads, qkv, maskValue, where);
        g.recognized("attention", "fused com.microsoft.Attention");
        return m;
    }

    /** The MultiHeadAttention that reads projections of {@code x}, if the layer is written that way. */
    private Optional<Node> multiHead(String x) {
        return g.users(x).stream().filter(n -> linears.isDense(n, x))
                .flatMap(mm -> g.users(linears.match(mm, "attention projection").output()).stream())
                .filter(n -> n.domain().equals("com.microsoft") && n.opType().equals("MultiHeadAttention"))
                .findFirst();
    }

    /**
     * com.microsoft.MultiHeadAttention(x Wq, x Wk, x Wv, bias[3 * h * d]?, key_padding_mask?), as ORT's
     * optimizer writes it with use_multi_head_attention: the projections stay MatMuls (with or
     * without their bias Add) and the op adds the packed bias. Cross-attention and packed Q/K/V
     * inputs are refused, like what {@link #requireEncoderAttention} names.
     */
    private Matched matchMultiHead(Node mha, String x, String where) {
        String pattern = where + "multi-head attention '" + mha.name() + "': ";
        requireEncoderAttention(mha, 5, pattern);
        List<LinearMatcher.Matched> projections = g.users(x).stream().filter(n -> linears.isDense(n, x))
                .map(mm -> linears.match(mm, where + "attention projection")).toList();
        Linear[] qkv = new Linear[3];
        for (int i = 0; i < 3; i++) {
            String in = mha.input(i);
            qkv[i] = projections.stream().filter(p -> p.output().equals(in)).map(LinearMatcher.Matched::linear).findFirst()
                    .orElseThrow(() -> new PatternMismatch(pattern + "its query, key and value are not three projections of "
                            + g.describe(x)));
        }
        int width = qkv[0].out();
        if (qkv[1].out() != width || qkv[2].out() != width) {
            throw new PatternMismatch(pattern + "Q, K and V have different widths");
        }
        if (!mha.input(3).isEmpty()) {
            Tensor bias = g.constant(mha.input(3)).filter(t -> t.rank() == 1 && t.dim(0) == 3L * width && t.type().isFloatingPoint())
                    .orElseThrow(() -> new PatternMismatch(pattern + "expected a constant packed Q/K/V bias [3 x " + width + "]"));
            float[] b = bias.toFloats();
            for (int part = 0; part < 3; part++) {
                float[] own = qkv[part].bias().toFloats();
                for (int i = 0; i < width; i++) {
                    own[i] += b[part * width + i];
                }
                qkv[part] = new Linear(qkv[part].weight(), Tensor.ofFloats(qkv[part].bias().name(), new long[] {width}, own));
            }
        }
        int heads = heads(mha, width, pattern);
        Optional<Float> maskValue = fusedMask(mha, mha.input(4), pattern);
        Matched m = fusedOutput(mha, heads, width / heads, qkv, maskValue, where);
        g.recognized("attention", "fused com.microsoft.MultiHeadAttention");
        return m;
    }

    /**
     * Refuses what an encoder's self-attention never does: causal masking, past state (inputs from
     * {@code firstUnsupported} on, extra outputs), an additive attention bias, rotary positions.
     */
    private static void requireEncoderAttention(Node att, int firstUnsupported, String pattern) {
        if (att.intAttribute("unidirectional", 0) != 0) {
            throw new PatternMismatch(pattern + "unidirectional (causal) attention is a decoder's, not an encoder's");
        }
        if (att.intAttribute("do_rotary", 0) != 0) {
            throw new PatternMismatch(pattern + "rotary position embeddings (do_rotary) are not supported");
        }
        for (int i = firstUnsupported; i < att.inputs().size(); i++) {
            if (!att.input(i).isEmpty()) {
                throw new PatternMismatch(pattern + "input " + i + " (past state or attention bias) is not supported");
            }
        }
        for (int i = 1; i < att.outputs().size(); i++) {
            if (!att.output(i).isEmpty()) {
                throw new PatternMismatch(pattern + "it outputs present state (a decoder's cache)");
            }
        }
    }

    private static int heads(Node att, int width, String pattern) {
        int heads = (int) att.intAttribute("num_heads", 0);
        if (heads <= 0 || width % heads != 0) {
            throw new PatternMismatch(pattern + "num_heads " + heads + " does not divide the width " + width);
        }
        return heads;
    }

    private static int[] block(int part, int width) {
        int[] columns = new int[width];
        for (int i = 0; i < width; i++) {
            columns[i] = part * width + i;
        }
        return columns;
    }

    /**
     * The mask value of a fused op's mask input, which must come from the attention-mask input.
     * A 1-D mask_index (each row's count of ones, from ReduceSum or EmbedLayerNormalization) masks
     * the positions from that count on: for right-padded batches, the positions the 0/1 mask
     * masks, which the re-emitted graph reads directly.
     */
    private Optional<Float> fusedMask(Node att, String mask, String pattern) {
        if (mask.isEmpty()) {
            if (maskInput.isPresent()) {
                throw new PatternMismatch(pattern + "has no mask though the graph has an attention-mask input");
            }
            return Optional.empty();
        }
        if (maskInput.isEmpty() || !g.dependsOn(mask, maskInput.get())) {
            throw new PatternMismatch(pattern + "its mask does not come from the attention-mask input");
        }
        String form = g.producer(mask).map(p -> p.opType().equals("EmbedLayerNormalization")
                ? "1-D mask_index from EmbedLayerNormalization (right padding)"
                : p.is("ReduceSum") ? "1-D mask_index from ReduceSum (right padding)" : "2-D mask").orElse("2-D mask");
        g.recognized("fused attention mask", form);
        return Optional.of(att.floatAttribute("mask_filter_value", -10000f));
    }

    /** The spec and output projection of a fused attention op with projections {@code qkv}. */
    private Matched fusedOutput(Node att, int heads, int headSize, Linear[] qkv, Optional<Float> maskValue, String where) {
        // the kernels read a scale of 0 (the attribute's default) as 1/sqrt(d)
        float given = att.floatAttribute("scale", 0f);
        float scale = given != 0f ? given : (float) (1 / Math.sqrt(headSize));
        Node out = single(att.output(0), where + "attention output");
        LinearMatcher.Matched o = linears.match(out, where + "attention output projection");
        AttentionSpec spec = new AttentionSpec(heads, headSize, qkv[0], qkv[1], qkv[2], o.linear(), scale);
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
        int[] split = headSplit(n, proj.linear().out(), where);
        int heads = split[0];
        int headSize = split[1];
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

    /**
     * [heads, head size] of a Reshape splitting {@code units} into heads: the last two entries of
     * its target, a constant or a Concat whose trailing parts are constants. Either entry may be
     * -1 (inferred, as transformers 5.x writes {@code view(*input_shape, -1, head_dim)}).
     */
    private int[] headSplit(Node reshape, int units, String where) {
        long[] tail = reshapeTail(reshape).orElseThrow(() -> new PatternMismatch(where + "attention: the target shape of"
                + " Reshape '" + reshape.name() + "' does not end in constant [heads, head size] (or -1 for one of them)"));
        long heads = tail[0];
        long headSize = tail[1];
        if (heads == -1 && headSize > 0 && units % headSize == 0) {
            heads = units / headSize;
            g.recognized("head split", "inferred head count [B, S, -1, head size]");
        } else if (headSize == -1 && heads > 0 && units % heads == 0) {
            headSize = units / heads;
            g.recognized("head split", "inferred head size [B, S, heads, -1]");
        } else {
            g.recognized("head split", "explicit [B, S, heads, head size]");
        }
        if (heads <= 0 || headSize <= 0 || heads * headSize != units) {
            throw new PatternMismatch(where + "attention: Reshape '" + reshape.name() + "' splits " + units
                    + " units into " + tail[0] + " x " + tail[1]);
        }
        return new int[] {(int) heads, (int) headSize};
    }

    /** The last two entries of a rank-4 Reshape target, when both are constants. */
    private Optional<long[]> reshapeTail(Node reshape) {
        Optional<Tensor> direct = g.constant(reshape.input(1));
        if (direct.isPresent()) {
            long[] v = direct.get().toLongs();
            return v.length == 4 ? Optional.of(new long[] {v[2], v[3]}) : Optional.empty();
        }
        // Concat(..., [heads], [d]) or Concat(Shape slice [B, S], [heads, d]): constants at the end
        Optional<Node> concat = g.producer(reshape.input(1)).filter(p -> p.is("Concat"));
        if (concat.isEmpty()) {
            return Optional.empty();
        }
        List<Long> tail = new ArrayList<>();
        List<String> parts = concat.get().inputs();
        for (int i = parts.size() - 1; i >= 0 && tail.size() < 2; i--) {
            Optional<Tensor> part = g.constant(parts.get(i)).filter(t -> t.type().isInteger());
            if (part.isEmpty()) {
                return Optional.empty();
            }
            long[] v = part.get().toLongs();
            for (int j = v.length - 1; j >= 0; j--) {
                tail.add(0, v[j]);
            }
        }
        return tail.size() < 2 ? Optional.empty()
                : Optional.of(new long[] {tail.get(tail.size() - 2), tail.get(tail.size() - 1)});
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
            return factor(n.input(0).equals(x) ? n.input(1) : n.input(0));
        }
        if (n.is("Div") && n.input(0).equals(x)) {
            return factor(n.input(1)).map(c -> 1f / c);
        }
        return Optional.empty();
    }

    /** A scalar constant, or Sqrt of one (PyTorch's SDPA export scales Q and K by Sqrt(scale) each). */
    private Optional<Float> factor(String value) {
        Optional<Float> c = g.scalar(value);
        if (c.isPresent()) {
            return c;
        }
        return g.producer(value).filter(p -> p.is("Sqrt")).flatMap(p -> g.scalar(p.input(0)))
                .map(v -> (float) Math.sqrt(v));
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
