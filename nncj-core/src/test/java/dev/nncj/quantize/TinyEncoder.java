package dev.nncj.quantize;

import dev.nncj.data.TinyTokenizer;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.GraphBuilder;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;

/**
 * A one-layer attention-shaped encoder over {@link TinyTokenizer}'s ids:
 * <pre>
 * input_ids ── Gather(emb[V,4]) ── h ─┬─ MatMul(wq[4,4]) ── Add(bq) ── q ──┐
 *                                     ├─ MatMul(wk[4,4]) ── k ── Transpose ┴─ MatMul(q, kᵀ) ── Softmax ── p ─┐
 *                                     └─ MatMul(wv[4,4]) ── v ─────────────────────────────────── MatMul(p, v) ── Add(h) ── last_hidden_state
 * attention_mask, token_type_ids: declared, unused
 * </pre>
 */
final class TinyEncoder {
    static final int H = 4;

    private TinyEncoder() {}

    static OnnxModel build(int opset) {
        GraphBuilder b = new GraphBuilder("tiny_encoder", opset);
        String ids = b.input("input_ids", DataType.INT64, "batch", "seq");
        b.input("attention_mask", DataType.INT64, "batch", "seq");
        b.input("token_type_ids", DataType.INT64, "batch", "seq");
        int v = TinyTokenizer.VOCABULARY_SIZE + 2; // >= 16 rows, so the table is quantized
        String emb = b.initializer(Tensor.ofFloats("emb", new long[] {v, H}, values(v * H, 0.3)));
        String h = b.op("Gather", emb, ids);
        String q = b.op("Add", b.op("MatMul", h, b.initializer(Tensor.ofFloats("wq", new long[] {H, H}, values(16, 1.1)))),
                b.initializer(Tensor.ofFloats("bq", new long[] {H}, 0.1f, -0.2f, 0.3f, 0f)));
        String k = b.op("MatMul", h, b.initializer(Tensor.ofFloats("wk", new long[] {H, H}, values(16, 2.3))));
        String vv = b.op("MatMul", h, b.initializer(Tensor.ofFloats("wv", new long[] {H, H}, values(16, 3.7))));
        Node kt = b.node("Transpose", k).set("perm", new long[] {0, 2, 1});
        Node p = b.node("Softmax", b.op("MatMul", q, kt.output(0))).set("axis", -1L);
        String out = b.op("Add", b.op("MatMul", p.output(0), vv), h);
        b.output(out, "last_hidden_state", DataType.FLOAT, "batch", "seq", H);
        return b.build();
    }

    static float[] values(int n, double phase) {
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) Math.sin(i * 1.7 + phase);
        }
        return w;
    }
}
