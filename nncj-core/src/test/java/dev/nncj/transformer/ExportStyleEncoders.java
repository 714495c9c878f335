package dev.nncj.transformer;

import dev.nncj.data.TinyTokenizer;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.GraphBuilder;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import java.util.List;

/**
 * Tiny encoders (TinyEncoders' sizes, op helpers and weight draws) in the forms today's BERT
 * exports are written in: Hugging Face transformers 5.x through PyTorch's legacy exporter
 * (opset 14) and its dynamo exporter (opset 18).
 * <pre>
 * head split    view(*input_shape, -1, head_dim): Reshape(q, Concat(B, S, [-1], [d])), or [heads, -1]
 * mask          padding = GatherND(Cast(attention_mask, bool), indices from Range/Expand)  [B, 1, S, S]
 *               keep = And(Expand(true), padding)        (the bidirectional mask function)
 * eager         scores = Q K^T * scale + Slice(Where(keep, 0, finfo.min))
 * SDPA          scores = (Q * sqrt(scale)) (K^T * sqrt(scale)) + Where(keep, 0, -inf)
 *               Softmax (one op or decomposed); dynamo: Where(IsNaN(p), 0, p)
 * context       Reshape(Transpose(P V), Concat(B, S, [-1]))
 * legacy        decomposed LayerNorm, erf GELU, MatMul + Add, pooler MatMul + Add + Tanh
 * dynamo        LayerNormalization, MatMul by Transpose(W[out, in]) + Add, pooler/classifier Gemm(transB)
 * token types   an input; absent (the zeros buffer, sliced and expanded); or a constant zeros tensor
 * </pre>
 */
public final class ExportStyleEncoders {
    public enum Exporter { LEGACY_14, DYNAMO_18 }

    /** [B, S, -1, head size] (transformers 5.x) or [B, S, heads, -1]. */
    public enum HeadSplit { INFERRED_HEADS, INFERRED_HEAD_SIZE }

    public enum Attention { EAGER, SDPA, SDPA_DECOMPOSED_SOFTMAX }

    public enum TokenTypes { INPUT, ABSENT, CONSTANT }

    /** @param classifier a Gemm classifier on the pooled token (logits output) instead of a pooler output */
    public record Form(Exporter exporter, HeadSplit split, Attention attention, TokenTypes tokenTypes, boolean classifier) {
        @Override
        public String toString() {
            return exporter + " " + split + " " + attention + " token types " + tokenTypes + (classifier ? " classifier" : " pooler");
        }
    }

    /** The transformers 5.x legacy export with its inferred head count, token types given, pooler. */
    public static final Form LEGACY = new Form(Exporter.LEGACY_14, HeadSplit.INFERRED_HEADS, Attention.EAGER, TokenTypes.INPUT, false);
    /** The transformers 5.x dynamo export of a classifier: SDPA with the NaN guard, Gemm pooler and classifier. */
    public static final Form DYNAMO = new Form(Exporter.DYNAMO_18, HeadSplit.INFERRED_HEADS, Attention.SDPA, TokenTypes.INPUT, true);

    public static final float FINFO_MIN = -3.4028235e38f;

    private final Form form;
    private final TinyEncoders t;
    private final GraphBuilder b;
    private final boolean dynamo;
    private String batch;
    private String seq;

    private ExportStyleEncoders(Form form) {
        this.form = form;
        this.dynamo = form.exporter() == Exporter.DYNAMO_18;
        this.t = TinyEncoders.ops(dynamo ? TinyEncoders.Style.FUSED : TinyEncoders.Style.PYTORCH, dynamo ? 18 : 14, 42);
        this.b = t.builder();
    }

    public static OnnxModel build(Form form, List<Long> layerSeeds) {
        return new ExportStyleEncoders(form).encoder(layerSeeds);
    }

    public static OnnxModel build(Form form) {
        return build(form, List.of(1L, 2L));
    }

    private OnnxModel encoder(List<Long> layerSeeds) {
        String ids = b.input("input_ids", DataType.INT64, "batch", "seq");
        String mask = b.input("attention_mask", DataType.INT64, "batch", "seq");
        String types = form.tokenTypes() == TokenTypes.INPUT ? b.input("token_type_ids", DataType.INT64, "batch", "seq") : null;
        batch = t.gatherDim(ids, 0);
        seq = t.gatherDim(ids, 1);
        String keep = keepMask(mask);
        String eagerMask = form.attention() == Attention.EAGER ? b.op("Where", keep, t.constant(0f), t.constant(FINFO_MIN)) : null;

        String x = b.op("Gather", t.init("word", TinyTokenizer.VOCABULARY_SIZE, TinyEncoders.HIDDEN), ids);
        x = b.op("Add", x, b.op("Gather", t.init("token_type", 2, TinyEncoders.HIDDEN), tokenTypeIds(ids, types)));
        long[] arange = new long[TinyEncoders.POSITIONS];
        for (int i = 0; i < arange.length; i++) {
            arange[i] = i;
        }
        String positionIds = b.initializer(Tensor.ofLongs("position_ids", new long[] {1, arange.length}, arange));
        String sliced = b.op("Slice", positionIds, t.longs(0), t.unsqueeze(seq, 0), t.longs(1));
        x = b.op("Add", x, b.op("Gather", t.init("position", TinyEncoders.POSITIONS, TinyEncoders.HIDDEN), sliced));
        String h = t.layerNorm(x);
        for (long seed : layerSeeds) {
            t.reseed(seed);
            String ctx = attention(h, keep, eagerMask);
            String a = t.layerNorm(b.op("Add", dense(ctx, TinyEncoders.HIDDEN, TinyEncoders.HIDDEN), h));
            h = t.layerNorm(b.op("Add", dense(t.activation(dense(a, TinyEncoders.HIDDEN, TinyEncoders.FFN)),
                    TinyEncoders.FFN, TinyEncoders.HIDDEN), a));
        }
        h = b.output(h, "last_hidden_state", DataType.FLOAT, "batch", "seq", TinyEncoders.HIDDEN);
        Node first = b.node("Gather", h, b.initializer(Tensor.scalar("cls_index", 0)));
        first.set("axis", 1L);
        String pooled = b.op("Tanh", dynamo ? gemm(first.output(0), TinyEncoders.HIDDEN, TinyEncoders.HIDDEN)
                : t.linear(first.output(0), TinyEncoders.HIDDEN, TinyEncoders.HIDDEN));
        if (form.classifier()) {
            b.output(gemm(pooled, TinyEncoders.HIDDEN, 2), "logits", DataType.FLOAT, "batch", 2);
        } else {
            b.output(pooled, "pooler_output", DataType.FLOAT, "batch", TinyEncoders.HIDDEN);
        }
        return b.build();
    }

    /**
     * transformers 5.x's bidirectional mask [B, 1, S, S], true where a key is a real token:
     * padding_mask[batch_idx, kv_idx] over aranges broadcast to [B, 1, S, S] (GatherND), and-ed
     * with the all-true bidirectional mask function.
     */
    private String keepMask(String mask) {
        String bool = b.op("Cast", mask);
        t.last().set("to", (long) DataType.BOOL.code());
        String shape = t.concat(t.unsqueeze(batch, 0), t.longs(1), t.unsqueeze(seq, 0), t.unsqueeze(seq, 0));
        String batchIdx = b.op("Reshape", b.op("Range", scalar(0), batch, scalar(1)), t.longs(-1, 1, 1, 1));
        String kvIdx = b.op("Reshape", b.op("Range", scalar(0), seq, scalar(1)), t.longs(1, 1, 1, -1));
        String indices = b.op("Concat", b.op("Unsqueeze", b.op("Expand", batchIdx, shape), t.longs(-1)),
                b.op("Unsqueeze", b.op("Expand", kvIdx, shape), t.longs(-1)));
        t.last().set("axis", -1L);
        String padding = b.op("GatherND", bool, indices);
        String allTrue = b.initializer(Tensor.encodeLongs("bidirectional", DataType.BOOL, new long[0], new long[] {1}));
        return b.op("And", b.op("Expand", allTrue, shape), padding);
    }

    /** The token-type ids: the input; the registered zeros buffer sliced to S and expanded; or constant zeros. */
    private String tokenTypeIds(String ids, String types) {
        return switch (form.tokenTypes()) {
            case INPUT -> types;
            case ABSENT -> b.op("Expand", b.op("Slice", b.initializer(Tensor.ofLongs("token_type_buffer",
                    new long[] {1, TinyEncoders.POSITIONS}, new long[TinyEncoders.POSITIONS])), t.longs(0),
                    t.unsqueeze(seq, 0), t.longs(1)), b.op("Shape", ids));
            case CONSTANT -> b.initializer(Tensor.ofLongs("token_type_zeros", new long[] {1, 1}, new long[1]));
        };
    }

    /** Self-attention over h up to the merged context [B, S, heads * d] (before Wo). */
    private String attention(String h, String keep, String eagerMask) {
        int width = TinyEncoders.HEADS * TinyEncoders.HEAD_SIZE;
        String q = t.transpose(split(dense(h, TinyEncoders.HIDDEN, width)), 0, 2, 1, 3);
        String k = t.transpose(split(dense(h, TinyEncoders.HIDDEN, width)), 0, 2, 1, 3);
        String v = t.transpose(split(dense(h, TinyEncoders.HIDDEN, width)), 0, 2, 1, 3);
        float scale = (float) (1 / Math.sqrt(TinyEncoders.HEAD_SIZE));
        String kt = t.transpose(k, 0, 1, 3, 2);
        String probs;
        if (form.attention() == Attention.EAGER) {
            String scores = b.op("Mul", b.op("MatMul", q, kt), t.constant(scale));
            // attention_mask[:, :, :, : key.shape[-2]]
            String m = b.op("Slice", eagerMask, t.longs(0), t.unsqueeze(seq, 0), t.longs(3));
            probs = softmax(b.op("Add", scores, m));
        } else {
            // PyTorch's SDPA export: Q and K^T each scaled by sqrt(scale) (a Sqrt node in the legacy exporter)
            String root = dynamo ? t.constant((float) Math.sqrt(scale)) : b.op("Sqrt", t.constant(scale));
            String scores = b.op("MatMul", b.op("Mul", q, root), b.op("Mul", kt, root));
            String bias = b.op("Where", keep, t.constant(0f), t.constant(Float.NEGATIVE_INFINITY));
            probs = softmax(b.op("Add", scores, bias));
            if (dynamo) {
                probs = b.op("Where", b.op("IsNaN", probs), t.constant(0f), probs);
            }
        }
        String ctx = t.transpose(b.op("MatMul", probs, v), 0, 2, 1, 3);
        return b.op("Reshape", ctx, t.concat(t.unsqueeze(batch, 0), t.unsqueeze(seq, 0), t.longs(-1)));
    }

    private String softmax(String scores) {
        if (form.attention() == Attention.SDPA_DECOMPOSED_SOFTMAX) {
            Node max = b.node("ReduceMax", scores);
            max.set("axes", new long[] {-1});
            String e = b.op("Exp", b.op("Sub", scores, max.output(0)));
            Node sum = b.node("ReduceSum", e, t.longs(-1));
            return b.op("Div", e, sum.output(0));
        }
        String p = b.op("Softmax", scores);
        t.last().set("axis", -1L);
        return p;
    }

    /** view(*input_shape, -1, head_dim) or view(*input_shape, heads, -1); dynamo: Concat(Shape[0:2], [.., ..]). */
    private String split(String x) {
        long[] tail = form.split() == HeadSplit.INFERRED_HEADS ? new long[] {-1, TinyEncoders.HEAD_SIZE}
                : new long[] {TinyEncoders.HEADS, -1};
        String target;
        if (dynamo) {
            Node shape = b.node("Shape", x);
            shape.set("start", 0L).set("end", 2L);
            target = t.concat(shape.output(0), t.longs(tail));
        } else {
            target = t.concat(t.unsqueeze(t.gatherDim(x, 0), 0), t.unsqueeze(t.gatherDim(x, 1), 0), t.longs(tail[0]),
                    t.longs(tail[1]));
        }
        return b.op("Reshape", x, target);
    }

    /** A dense layer: legacy MatMul(x, W) + b; dynamo MatMul(x, Transpose(W[out, in])) + b. */
    private String dense(String x, int in, int out) {
        if (!dynamo) {
            return t.linear(x, in, out);
        }
        String w = t.transpose(t.init("w", out, in), 1, 0);
        String bias = b.initializer(Tensor.ofFloats(t.fresh("bias"), new long[] {out}, t.values(out, 0.1f, 0f)));
        return b.op("Add", b.op("MatMul", x, w), bias);
    }

    /** Gemm(x, W[out, in], b, transB = 1): what dynamo writes for a 2-D nn.Linear. */
    private String gemm(String x, int in, int out) {
        String bias = b.initializer(Tensor.ofFloats(t.fresh("bias"), new long[] {out}, t.values(out, 0.1f, 0f)));
        Node g = b.node("Gemm", x, t.init("w", out, in), bias);
        g.set("transB", 1L);
        return g.output(0);
    }

    private String scalar(long value) {
        return b.initializer(Tensor.scalar(t.fresh("scalar"), value));
    }
}
