package dev.nncj.transformer;

import dev.nncj.data.TinyTokenizer;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.GraphBuilder;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * Tiny BERT-like encoders built op by op in two exporter styles, over TinyTokenizer's 14 ids:
 * hidden 8, 2 heads of 4, FFN 16, 16 positions, 2 token types. Each layer's weights come from its
 * own seed, so an encoder built from seeds [a, b] with layer 0 dropped equals one built from [b].
 * <pre>
 * input_ids ── Gather(word) ─ Add(Gather(token_type)) ─ Add(Gather(position, Slice(position_ids)))
 *   ─ LayerNorm ─ [ Q/K/V MatMul+Add ─ Reshape ─ Transpose ─ MatMul ─ scale ─ Add(mask) ─ Softmax
 *   ─ MatMul(V) ─ Transpose ─ Reshape ─ MatMul+Add ─ Add(residual) ─ LayerNorm ─ MatMul+Add ─ GELU
 *   ─ MatMul+Add ─ Add(residual) ─ LayerNorm ] x layers ─ last_hidden_state (─ pooler_output)
 * attention_mask ─ Unsqueeze ─ Cast ─ (1 - m) * -3.4e38 ───────────────┘ (the mask Add)
 * </pre>
 */
public final class TinyEncoders {
    static final int HIDDEN = 8;
    static final int HEADS = 2;
    static final int HEAD_SIZE = 4;
    static final int FFN = 16;
    static final int POSITIONS = 16;

    /**
     * PYTORCH: opset 11, decomposed LayerNorm, erf GELU, Reshape targets built from Shape/Gather/
     * Concat, scores divided by sqrt(d). FUSED: opset 17, LayerNormalization, tanh GELU, constant
     * Reshape targets, Q and K each multiplied by d^-1/4 before their MatMul.
     */
    public enum Style { PYTORCH, FUSED }

    private final GraphBuilder b;
    private final Style style;
    private final Random random;
    private final boolean whereMask;
    private boolean invertedWhereMask;
    private boolean preNorm;
    private boolean noNorms;
    private boolean noEmbeddingNorm;
    private boolean tokenTypeInput = true;
    private EmbeddingPart embeddingPart = TinyEncoders::bertEmbeddings;

    /**
     * Writes the embeddings of a family variant (see FamilyEncoders): from the input ids (and the
     * token-type input, absent when the graph has none) to the stream entering layer 0, whose width
     * must be {@link #HIDDEN}. Parts draw their weights in the order they write them.
     */
    interface EmbeddingPart {
        String write(TinyEncoders t, String ids, Optional<String> tokenTypes);
    }

    /** Seed of the pre-norm final LayerNorm, fixed so that it does not depend on which layers were built. */
    static final long FINAL_NORM_SEED = 99;

    private final long opset;

    private TinyEncoders(Style style, long seed, boolean whereMask) {
        this(style, style == Style.PYTORCH ? 11 : 17, seed, whereMask);
    }

    private TinyEncoders(Style style, long opset, long seed, boolean whereMask) {
        this.style = style;
        this.opset = opset;
        this.whereMask = whereMask;
        this.b = new GraphBuilder("tiny_encoder", opset);
        this.random = new Random(seed);
    }

    /**
     * The op-building helpers alone (linear, LayerNorm, GELU, constants, ...) over a fresh graph at
     * {@code opset}, for builders of other exporter styles ({@link ExportStyleEncoders}): weights
     * drawn the same way, LayerNorm and GELU written in {@code style}'s form.
     */
    static TinyEncoders ops(Style style, long opset, long seed) {
        return new TinyEncoders(style, opset, seed, false);
    }

    GraphBuilder builder() {
        return b;
    }

    /** Reseeds the weights (each layer draws from its own seed). */
    void reseed(long seed) {
        random.setSeed(seed);
    }

    public static OnnxModel build(Style style, List<Long> layerSeeds, boolean pooler) {
        return new TinyEncoders(style, 42, false).encoder(layerSeeds, pooler);
    }

    /**
     * PYTORCH style with DistilBERT's mask: scores.masked_fill(mask == 0, float32.min), exported as
     * Where(Equal(mask, 0), min, scores) instead of adding (1 - mask) * min.
     */
    public static OnnxModel buildWithWhereMask(List<Long> layerSeeds) {
        return new TinyEncoders(Style.PYTORCH, 42, true).encoder(layerSeeds, false);
    }

    /**
     * PYTORCH style with the additive mask of transformers >= 4.36: inverted = 1 - mask, then
     * Where(Cast(inverted, bool), float32.min, inverted), added to the scores.
     */
    public static OnnxModel buildWithInvertedWhereMask(List<Long> layerSeeds) {
        TinyEncoders t = new TinyEncoders(Style.PYTORCH, 42, false);
        t.invertedWhereMask = true;
        return t.encoder(layerSeeds, false);
    }

    /**
     * Pre-norm encoder in the given exporter style, as PyTorch exports a norm_first stack: each
     * layer computes h = h + Attn(LN1(h)); h = h + FFN(LN2(h)), and one final LayerNorm follows the
     * last layer (its weights from {@link #FINAL_NORM_SEED}, so dropping layers leaves it unchanged).
     * The embeddings keep their LayerNorm.
     */
    public static OnnxModel buildPreNorm(Style style, List<Long> layerSeeds, boolean pooler) {
        TinyEncoders t = new TinyEncoders(style, 42, false);
        t.preNorm = true;
        return t.encoder(layerSeeds, pooler);
    }

    /** Pre-norm PYTORCH style whose embedding sum goes to the first layer without a LayerNorm of its own. */
    public static OnnxModel buildPreNormWithoutEmbeddingNorm(List<Long> layerSeeds) {
        TinyEncoders t = new TinyEncoders(Style.PYTORCH, 42, false);
        t.preNorm = true;
        t.noEmbeddingNorm = true;
        return t.encoder(layerSeeds, false);
    }

    /** PYTORCH style with every LayerNorm left out (residual Adds and nothing normalizing them). */
    public static OnnxModel buildWithoutNorms(List<Long> layerSeeds) {
        TinyEncoders t = new TinyEncoders(Style.PYTORCH, 42, false);
        t.noNorms = true;
        return t.encoder(layerSeeds, false);
    }

    /**
     * PYTORCH style with the embeddings {@code part} writes; {@code whereMask} as in
     * {@link #buildWithWhereMask}; {@code tokenTypeInput} false leaves the token-type input out.
     */
    static OnnxModel build(EmbeddingPart part, boolean tokenTypeInput, boolean whereMask, List<Long> layerSeeds) {
        TinyEncoders t = new TinyEncoders(Style.PYTORCH, 42, whereMask);
        t.tokenTypeInput = tokenTypeInput;
        t.embeddingPart = part;
        return t.encoder(layerSeeds, false);
    }

    public static OnnxModel build(Style style) {
        return build(style, List.of(1L, 2L), false);
    }

    private OnnxModel encoder(List<Long> layerSeeds, boolean pooler) {
        String ids = b.input("input_ids", DataType.INT64, "batch", "seq");
        String mask = b.input("attention_mask", DataType.INT64, "batch", "seq");
        Optional<String> types = tokenTypeInput
                ? Optional.of(b.input("token_type_ids", DataType.INT64, "batch", "seq")) : Optional.empty();

        // extended mask: (1 - mask[:, None, None, :]) * float32.min
        String m = b.op("Cast", unsqueeze(unsqueeze(mask, 1), 2));
        last().set("to", (long) DataType.FLOAT.code());
        String maskAdd = whereMask
                ? b.op("Equal", unsqueeze(unsqueeze(mask, 1), 2), b.initializer(Tensor.scalar(fresh("zero"), 0)))
                : invertedWhereMask ? invertedWhere(b.op("Sub", constant(1f), m))
                : b.op("Mul", b.op("Sub", constant(1f), m), constant(-3.4028235e38f));

        String h = embeddingPart.write(this, ids, types);
        for (long seed : layerSeeds) {
            random.setSeed(seed);
            h = preNorm ? preNormLayer(h, maskAdd) : layer(h, maskAdd);
        }
        if (preNorm) {
            random.setSeed(FINAL_NORM_SEED);
            h = layerNorm(h);
        }
        h = b.output(h, "last_hidden_state", DataType.FLOAT, "batch", "seq", HIDDEN);
        if (pooler) {
            Node first = b.node("Gather", h, b.initializer(Tensor.scalar("cls_index", 0)));
            first.set("axis", 1L);
            String pooled = b.op("Tanh", linear(first.output(0), HIDDEN, HIDDEN));
            b.output(pooled, "pooler_output", DataType.FLOAT, "batch", HIDDEN);
        }
        return b.build();
    }

    /** BERT's embeddings: LN(word[ids] + token_type[types] + position[0..S-1]), without the LN when asked. */
    private String bertEmbeddings(String ids, Optional<String> types) {
        String x = embeddingSum(ids, types, HIDDEN);
        return noEmbeddingNorm ? x : layerNorm(x);
    }

    /** word[ids] + token_type[types] (when given) + position[0..S-1], tables of {@code width} columns. */
    String embeddingSum(String ids, Optional<String> types, int width) {
        String x = b.op("Gather", init("word", TinyTokenizer.VOCABULARY_SIZE, width), ids);
        if (types.isPresent()) {
            x = b.op("Add", x, b.op("Gather", init("token_type", 2, width), types.get()));
        }
        long[] arange = new long[POSITIONS];
        for (int i = 0; i < POSITIONS; i++) {
            arange[i] = i;
        }
        String positionIds = b.initializer(Tensor.ofLongs("position_ids", new long[] {1, POSITIONS}, arange));
        String seqLen = unsqueeze(gatherDim(ids, 1), 0);
        String sliced = b.op("Slice", positionIds, longs(0), seqLen, longs(1), longs(1));
        return b.op("Add", x, b.op("Gather", init("position", POSITIONS, width), sliced));
    }

    private String layer(String h, String maskAdd) {
        String ctx = attention(h, maskAdd);
        String a = layerNorm(b.op("Add", linear(ctx, HEADS * HEAD_SIZE, HIDDEN), h));
        return layerNorm(b.op("Add", a, linear(activation(linear(a, HIDDEN, FFN)), FFN, HIDDEN)));
    }

    /**
     * h = h + Attn(LN1(h)); h = h + FFN(LN2(h)), residual Adds in PyTorch's order (stream first),
     * so the lifter must tell the residual operand from the branch by structure, not position.
     */
    private String preNormLayer(String h, String maskAdd) {
        String ctx = attention(layerNorm(h), maskAdd);
        String a = b.op("Add", h, linear(ctx, HEADS * HEAD_SIZE, HIDDEN));
        return b.op("Add", a, linear(activation(linear(layerNorm(a), HIDDEN, FFN)), FFN, HIDDEN));
    }

    /** Multi-head self-attention over x up to the merged context [B, S, heads * d] (before Wo). */
    private String attention(String h, String maskAdd) {
        String q = heads(linear(h, HIDDEN, HEADS * HEAD_SIZE), 0, 2, 1, 3);
        String k = heads(linear(h, HIDDEN, HEADS * HEAD_SIZE), 0, 2, 3, 1);
        String v = heads(linear(h, HIDDEN, HEADS * HEAD_SIZE), 0, 2, 1, 3);
        String scores;
        if (style == Style.PYTORCH) {
            scores = b.op("Div", b.op("MatMul", q, k), constant((float) Math.sqrt(HEAD_SIZE)));
        } else {
            float quarter = (float) Math.pow(HEAD_SIZE, -0.25);
            scores = b.op("MatMul", b.op("Mul", q, constant(quarter)), b.op("Mul", k, constant(quarter)));
        }
        String masked = whereMask ? b.op("Where", maskAdd, constant(-3.4028235e38f), scores) : b.op("Add", scores, maskAdd);
        String probs = b.op("Softmax", masked);
        last().set("axis", style == Style.PYTORCH ? 3L : -1L);
        String ctx = transpose(b.op("MatMul", probs, v), 0, 2, 1, 3);
        ctx = b.op("Reshape", ctx, style == Style.PYTORCH
                ? concat(unsqueeze(gatherDim(ctx, 0), 0), unsqueeze(gatherDim(ctx, 1), 0), longs(HEADS * HEAD_SIZE))
                : longs(0, 0, HEADS * HEAD_SIZE));
        return ctx;
    }

    /** erf GELU (PYTORCH) or tanh GELU (FUSED) of u. */
    String activation(String u) {
        return style == Style.PYTORCH
                ? b.op("Mul", b.op("Mul", u, b.op("Add", b.op("Erf", b.op("Div", u, constant((float) Math.sqrt(2)))),
                        constant(1f))), constant(0.5f))
                : b.op("Mul", b.op("Mul", constant(0.5f), u), b.op("Add", constant(1f), b.op("Tanh",
                        b.op("Mul", constant((float) Math.sqrt(2 / Math.PI)), b.op("Add", u,
                                b.op("Mul", constant(0.044715f), b.op("Pow", u, constant(3f))))))));
    }

    /** Reshape to [B, S, heads, d] (PyTorch style: target from Shape/Gather/Concat), then Transpose. */
    private String heads(String x, long... perm) {
        String target = style == Style.PYTORCH
                ? concat(unsqueeze(gatherDim(x, 0), 0), unsqueeze(gatherDim(x, 1), 0), longs(HEADS), longs(HEAD_SIZE))
                : longs(0, 0, HEADS, HEAD_SIZE);
        return transpose(b.op("Reshape", x, target), perm);
    }

    String layerNorm(String x) {
        return layerNorm(x, HIDDEN);
    }

    /** A LayerNorm over {@code width} units, in the style's form. */
    String layerNorm(String x, int width) {
        if (noNorms) {
            return x;
        }
        String gamma = b.initializer(Tensor.ofFloats(fresh("gamma"), new long[] {width}, values(width, 0.3f, 1f)));
        String beta = b.initializer(Tensor.ofFloats(fresh("beta"), new long[] {width}, values(width, 0.2f, 0f)));
        if (style == Style.FUSED) {
            Node ln = b.node("LayerNormalization", x, gamma, beta);
            ln.set("epsilon", 1e-5f);
            return ln.output(0);
        }
        String mean = b.op("ReduceMean", x);
        last().set("axes", new long[] {-1});
        String d = b.op("Sub", x, mean);
        String var = b.op("ReduceMean", b.op("Pow", d, constant(2f)));
        last().set("axes", new long[] {-1});
        String norm = b.op("Div", d, b.op("Sqrt", b.op("Add", var, constant(1e-12f))));
        return b.op("Add", b.op("Mul", norm, gamma), beta);
    }

    /** x W + b with the bias Add's operands in PyTorch's order (bias first). */
    String linear(String x, int in, int out) {
        String w = init("w", in, out);
        String bias = b.initializer(Tensor.ofFloats(fresh("bias"), new long[] {out}, values(out, 0.1f, 0f)));
        return b.op("Add", bias, b.op("MatMul", x, w));
    }

    /** A [rows, cols] weight of random values scaled by 1/sqrt(rows). */
    String init(String name, int rows, int cols) {
        return b.initializer(Tensor.ofFloats(fresh(name), new long[] {rows, cols},
                values(rows * cols, (float) (1 / Math.sqrt(rows)), 0f)));
    }

    float[] values(int n, float spread, float center) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = center + (float) random.nextGaussian() * spread;
        }
        return v;
    }

    String gatherDim(String x, long axis) {
        return b.op("Gather", b.op("Shape", x), b.initializer(Tensor.scalar(fresh("dim"), axis)));
    }

    String unsqueeze(String x, long axis) {
        if (opset < 13) {
            String out = b.op("Unsqueeze", x);
            last().set("axes", new long[] {axis});
            return out;
        }
        return b.op("Unsqueeze", x, longs(axis));
    }

    private String invertedWhere(String inverted) {
        String cond = b.op("Cast", inverted);
        last().set("to", (long) DataType.BOOL.code());
        return b.op("Where", cond, constant(-3.4028235e38f), inverted);
    }

    String concat(String... parts) {
        String out = b.op("Concat", parts);
        last().set("axis", 0L);
        return out;
    }

    String transpose(String x, long... perm) {
        String out = b.op("Transpose", x);
        last().set("perm", perm);
        return out;
    }

    String constant(float value) {
        String out = b.op("Constant");
        last().set("value", Tensor.ofFloats(fresh("c"), new long[0], value));
        return out;
    }

    String longs(long... values) {
        return b.initializer(Tensor.ofLongs(fresh("shape"), new long[] {values.length}, values));
    }

    Node last() {
        List<Node> nodes = b.graph().nodes();
        return nodes.get(nodes.size() - 1);
    }

    private int names;

    String fresh(String base) {
        return base + "_" + names++;
    }
}
