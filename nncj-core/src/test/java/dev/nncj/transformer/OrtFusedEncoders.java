package dev.nncj.transformer;

import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.GraphBuilder;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import java.util.List;

/**
 * Writes an encoder (lifted from one of {@link TinyEncoders}) op by op in the form ONNX Runtime's
 * Python transformer optimizer gives it ({@code python -m onnxruntime.transformers.optimizer
 * --model_type bert}, fusion_*.py), so that the fused graph computes the same function as the
 * tiny encoder it came from:
 * <pre>
 * input_ids, token_type_ids, attention_mask ─ Cast(int32)
 *   ─ EmbedLayerNormalization(ids, types, word, position, type, gamma, beta, mask) ─┬─ output
 *                                                                                   └─ mask_index (1-D)
 *   (or Gather + Add + LayerNormalization and ReduceSum(mask) / the 2-D mask, by {@link Form})
 * post-norm layer:  Attention(h, Wqkv, bqkv, mask_index) ─ MatMul(Wo)
 *   ─ SkipLayerNormalization(h, ., gamma, beta, bo) ─ MatMul(W1) ─ BiasGelu(., b1) (FastGelu(., b1))
 *   ─ MatMul(W2) ─ SkipLayerNormalization(., ., gamma, beta, b2)
 * pre-norm layer:   the residual Adds are SkipLayerNormalizations normalizing for what follows
 *   (LN2, the next layer's LN1, the final LayerNorm), their sum output feeding the next residual
 * MultiHeadAttention form: MatMul(h, Wq), MatMul(h, Wk), MatMul(h, Wv) ─ MultiHeadAttention(q, k, v, bqkv, mask)
 * </pre>
 */
public final class OrtFusedEncoders {
    public enum Embedding { EMBED_LAYER_NORM, GATHERS }

    /** MASK_INDEX: 1-D counts (EmbedLayerNormalization's second output, or ReduceSum); RAW: the 2-D int32 mask. */
    public enum Mask { MASK_INDEX, RAW }

    public enum AttentionOp { ATTENTION, MULTI_HEAD }

    public record Form(Embedding embedding, Mask mask, AttentionOp attention) {
        public static Form bert() {
            return new Form(Embedding.EMBED_LAYER_NORM, Mask.MASK_INDEX, AttentionOp.ATTENTION);
        }
    }

    private final EncoderSpec spec;
    private final Form form;
    private final GraphBuilder b = new GraphBuilder("ort_fused_encoder", 17);
    private int names;

    private OrtFusedEncoders(EncoderSpec spec, Form form) {
        this.spec = spec;
        this.form = form;
        b.opset("com.microsoft", 1);
    }

    public static OnnxModel write(EncoderSpec spec, Form form) {
        return new OrtFusedEncoders(spec, form).build();
    }

    private OnnxModel build() {
        for (ValueInfoProto in : spec.io().inputs()) {
            b.graph().addInput(in);
        }
        EncoderInterface io = spec.io();
        String mask32 = cast(io.attentionMask().orElseThrow(), DataType.INT32);
        String[] embedded = embeddings(io, mask32);
        String h = embedded[0];
        String mask = embedded[1];
        List<EncoderLayer> layers = spec.layers();
        if (spec.normPlacement() == NormPlacement.POST) {
            for (EncoderLayer l : layers) {
                String ln1 = skipNorm(h, b.op("MatMul", attention(h, l.attention(), mask), init(l.attention().output().weight())),
                        l.attentionNorm(), l.attention().output().bias(), false)[0];
                h = skipNorm(ln1, ffnDown(ln1, l.ffn()), l.ffnNorm(), l.ffn().down().bias(), false)[0];
            }
        } else {
            // layer 0's LN1 reads the embedding output directly: no residual to fuse it with
            String x = layerNorm(h, layers.get(0).attentionNorm());
            for (int i = 0; i < layers.size(); i++) {
                EncoderLayer l = layers.get(i);
                boolean last = i == layers.size() - 1;
                String[] r1 = skipNorm(h, b.op("MatMul", attention(x, l.attention(), mask), init(l.attention().output().weight())),
                        l.ffnNorm(), l.attention().output().bias(), true);
                LayerNormSpec next = last ? spec.finalNorm().orElseThrow() : layers.get(i + 1).attentionNorm();
                String[] r2 = skipNorm(r1[1], ffnDown(r1[0], l.ffn()), next, l.ffn().down().bias(), !last);
                x = r2[0];
                h = r2[1];
            }
            h = x;
        }
        b.output(h, io.hiddenOutput(), DataType.FLOAT, "batch", "seq", spec.hidden());
        return b.build();
    }

    /** {output, mask the attention ops read}. */
    private String[] embeddings(EncoderInterface io, String mask32) {
        Embeddings e = spec.embeddings();
        LayerNormSpec norm = e.norm().orElseThrow();
        if (form.embedding() == Embedding.EMBED_LAYER_NORM) {
            boolean withMask = form.mask() == Mask.MASK_INDEX;
            String[] inputs = {cast(io.inputIds(), DataType.INT32), cast(io.tokenTypeIds().orElseThrow(), DataType.INT32),
                init(e.word()), init(e.position().orElseThrow()), init(e.tokenType().orElseThrow()), init(norm.gamma()),
                init(norm.beta())};
            if (withMask) {
                inputs = java.util.Arrays.copyOf(inputs, 8);
                inputs[7] = mask32;
            }
            Node eln = b.node("com.microsoft", "EmbedLayerNormalization", 2, inputs);
            eln.set("epsilon", norm.epsilon());
            return new String[] {eln.output(0), withMask ? eln.output(1) : mask32};
        }
        String x = b.op("Add", b.op("Gather", init(e.word()), io.inputIds()),
                b.op("Gather", init(e.tokenType().orElseThrow()), io.tokenTypeIds().orElseThrow()));
        Node seqLen = b.node("Shape", io.inputIds());
        seqLen.set("start", 1L).set("end", 2L);
        x = b.op("Add", x, b.op("Slice", init(e.position().orElseThrow()), longs(0), seqLen.output(0), longs(0)));
        String mask = mask32;
        if (form.mask() == Mask.MASK_INDEX) {
            // fusion_attention.py's AttentionMask: ReduceSum(mask, axes [1], keepdims 0), each row's length
            Node sum = b.node("ReduceSum", mask32, longs(1));
            sum.set("keepdims", 0L);
            mask = sum.output(0);
        }
        return new String[] {layerNorm(x, norm), mask};
    }

    /** The attention context [B, S, heads * d], before the output projection. */
    private String attention(String x, AttentionSpec a, String mask) {
        int w = a.heads() * a.headSize();
        Node att;
        if (form.attention() == AttentionOp.ATTENTION) {
            Tensor weight = Tensor.ofFloats(fresh("qkv_weight"), new long[] {a.query().in(), 3L * w},
                    packColumns(a.query().weight(), a.key().weight(), a.value().weight()));
            att = b.node("com.microsoft", "Attention", 1, x, init(weight), init(packedBias(a)), mask);
        } else {
            att = b.node("com.microsoft", "MultiHeadAttention", 1, b.op("MatMul", x, init(a.query().weight())),
                    b.op("MatMul", x, init(a.key().weight())), b.op("MatMul", x, init(a.value().weight())),
                    init(packedBias(a)), mask);
        }
        att.set("num_heads", (long) a.heads());
        // written by the fusion only when the mask's constant is not the op's default -10000
        att.set("mask_filter_value", spec.maskValue());
        return att.output(0);
    }

    private String ffnDown(String x, FeedForwardSpec f) {
        String up = b.op("MatMul", x, init(f.up().weight()));
        String act = f.activation() == Activation.GELU_TANH
                ? b.node("com.microsoft", "FastGelu", 1, up, init(f.up().bias())).output(0)
                : b.node("com.microsoft", "BiasGelu", 1, up, init(f.up().bias())).output(0);
        return b.op("MatMul", act, init(f.down().weight()));
    }

    /** SkipLayerNormalization(stream, branch, gamma, beta, bias): {normalized, sum (when asked for)}. */
    private String[] skipNorm(String stream, String branch, LayerNormSpec ln, Tensor bias, boolean sum) {
        Node n = b.node("com.microsoft", "SkipLayerNormalization", sum ? 4 : 1, stream, branch, init(ln.gamma()),
                init(ln.beta()), init(bias));
        n.set("epsilon", ln.epsilon());
        if (sum) {
            n.setOutput(1, "");
            n.setOutput(2, "");
        }
        return new String[] {n.output(0), sum ? n.output(3) : null};
    }

    private String layerNorm(String x, LayerNormSpec ln) {
        Node n = b.node("LayerNormalization", x, init(ln.gamma()), init(ln.beta()));
        n.set("axis", -1L).set("epsilon", ln.epsilon());
        return n.output(0);
    }

    private static Tensor packedBias(AttentionSpec a) {
        int w = a.heads() * a.headSize();
        float[] packed = new float[3 * w];
        System.arraycopy(a.query().bias().toFloats(), 0, packed, 0, w);
        System.arraycopy(a.key().bias().toFloats(), 0, packed, w, w);
        System.arraycopy(a.value().bias().toFloats(), 0, packed, 2 * w, w);
        return Tensor.ofFloats("qkv_bias", new long[] {3L * w}, packed);
    }

    /** [in, w] x 3 side by side: np.stack((qw, kw, vw), axis=1).reshape(in, 3 * w). */
    private static float[] packColumns(Tensor... parts) {
        int in = (int) parts[0].dim(0);
        int w = (int) parts[0].dim(1);
        float[] packed = new float[in * parts.length * w];
        for (int p = 0; p < parts.length; p++) {
            float[] v = parts[p].toFloats();
            for (int r = 0; r < in; r++) {
                System.arraycopy(v, r * w, packed, r * parts.length * w + p * w, w);
            }
        }
        return packed;
    }

    private String cast(String x, DataType to) {
        Node c = b.node("Cast", x);
        c.set("to", (long) to.code());
        return c.output(0);
    }

    private String init(Tensor t) {
        return b.initializer(t.withName(fresh(t.name())));
    }

    private String longs(long... values) {
        return b.initializer(Tensor.ofLongs(fresh("axes"), new long[] {values.length}, values));
    }

    private String fresh(String base) {
        return base + "_" + names++;
    }
}
