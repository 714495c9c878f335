package dev.nncj.quantize;

import dev.nncj.onnx.DataType;
import dev.nncj.onnx.GraphBuilder;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import java.util.SplittableRandom;

/** Tiny models for the quantizer tests; each method's comment draws its graph. */
final class TinyEncoders {
    private TinyEncoders() {}

    /** Deterministic weights, uniform in [-scale, scale). */
    static float[] weights(long seed, int count, float scale) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] w = new float[count];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (random.nextDouble(-1, 1) * scale);
        }
        return w;
    }

    /**
     * One linear layer:
     * <pre>
     * x[batch,K] ── MatMul(w[K,N], name "proj") ── Add(b[N]) ── y[batch,N]
     * </pre>
     */
    static OnnxModel linear(int k, int n, long opset) {
        GraphBuilder b = new GraphBuilder("linear", opset);
        String x = b.input("x", DataType.FLOAT, "batch", k);
        String w = b.initializer(Tensor.ofFloats("w", new long[] {k, n}, weights(1, k * n, 0.5f)));
        String bias = b.initializer(Tensor.ofFloats("b", new long[] {n}, weights(2, n, 0.1f)));
        b.output(b.op("Add", b.op("MatMul", x, w), bias), "y", DataType.FLOAT, "batch", n);
        return b.build();
    }

    /**
     * A BERT-shaped encoder at opset 11 with ops whose form changed since (Unsqueeze and ReduceMean
     * axes as attributes, Softmax with a positive axis), {@code layers} layers of width {@code hidden}:
     * <pre>
     * input_ids[b,s] ── Gather(word[V,H]) ── h
     * attention_mask[b,s] ── Cast(float) ── Unsqueeze(axes=[1]) ── Sub(1, ·) ── Mul(-1e4) ── bias[b,1,s]
     * per layer:
     *   q,k,v = h @ Wq|Wk|Wv                                   (weights: quantizable)
     *   p = Softmax(axis=2)(q @ Transpose(k, perm 0,2,1) * 1/sqrt(H) + bias)   (activation MatMuls: float)
     *   a = (p @ v) @ Wo + h
     *   f = Relu(a @ W1 + b1) @ W2 + a
     *   h = f - ReduceMean(f, axes=[-1])                        (a LayerNorm-like centring)
     * last_hidden_state[b,s,H] = h
     * </pre>
     */
    static OnnxModel bertLike(int vocab, int hidden, int ffn, int layers) {
        GraphBuilder b = new GraphBuilder("bert_like", 11);
        String ids = b.input("input_ids", DataType.INT64, "batch", "seq");
        String mask = b.input("attention_mask", DataType.INT64, "batch", "seq");
        long seed = 10;
        String h = b.op("Gather", b.initializer(Tensor.ofFloats("word_embeddings", new long[] {vocab, hidden},
                weights(seed++, vocab * hidden, 1f))), ids);
        Node maskF = b.node("Cast", mask).set("to", DataType.FLOAT.code());
        Node unsq = b.node("Unsqueeze", maskF.output(0)).set("axes", new long[] {1});
        String one = b.initializer(Tensor.ofFloats("one", new long[0], 1f));
        String big = b.initializer(Tensor.ofFloats("minus_big", new long[0], -10000f));
        String maskBias = b.op("Mul", b.op("Sub", one, unsq.output(0)), big);
        String invSqrt = b.initializer(Tensor.ofFloats("inv_sqrt_h", new long[0], (float) (1 / Math.sqrt(hidden))));
        float w = (float) (1 / Math.sqrt(hidden));
        for (int l = 0; l < layers; l++) {
            String q = b.op("MatMul", h, b.initializer(Tensor.ofFloats("l" + l + ".wq", new long[] {hidden, hidden},
                    weights(seed++, hidden * hidden, w))));
            String k = b.op("MatMul", h, b.initializer(Tensor.ofFloats("l" + l + ".wk", new long[] {hidden, hidden},
                    weights(seed++, hidden * hidden, w))));
            String v = b.op("MatMul", h, b.initializer(Tensor.ofFloats("l" + l + ".wv", new long[] {hidden, hidden},
                    weights(seed++, hidden * hidden, w))));
            Node kt = b.node("Transpose", k).set("perm", new long[] {0, 2, 1});
            String scores = b.op("Add", b.op("Mul", b.op("MatMul", q, kt.output(0)), invSqrt), maskBias);
            Node p = b.node("Softmax", scores).set("axis", 2L);
            String ctx = b.op("MatMul", p.output(0), v);
            String a = b.op("Add", b.op("MatMul", ctx, b.initializer(Tensor.ofFloats("l" + l + ".wo",
                    new long[] {hidden, hidden}, weights(seed++, hidden * hidden, w)))), h);
            String up = b.op("Relu", b.op("Add", b.op("MatMul", a, b.initializer(Tensor.ofFloats("l" + l + ".w1",
                    new long[] {hidden, ffn}, weights(seed++, hidden * ffn, w)))),
                    b.initializer(Tensor.ofFloats("l" + l + ".b1", new long[] {ffn}, weights(seed++, ffn, 0.1f)))));
            String f = b.op("Add", b.op("MatMul", up, b.initializer(Tensor.ofFloats("l" + l + ".w2",
                    new long[] {ffn, hidden}, weights(seed++, ffn * hidden, (float) (1 / Math.sqrt(ffn)))))), a);
            Node mean = b.node("ReduceMean", f).set("axes", new long[] {-1}).set("keepdims", 1L);
            h = b.op("Sub", f, mean.output(0));
        }
        b.output(h, "last_hidden_state", DataType.FLOAT, "batch", "seq", hidden);
        return b.build();
    }

    /** Runs {@link #bertLike} on a fixed batch of 2 x 5 ids, the last id of row 2 masked out. */
    static float[] runBertLike(OnnxModel model, int vocab) throws Exception {
        long[] ids = {1, 5 % vocab, 7 % vocab, 3, 2, 4, 9 % vocab, vocab - 1, 0, 6 % vocab};
        long[] mask = {1, 1, 1, 1, 1, 1, 1, 1, 1, 0};
        var env = dev.nncj.runtime.OrtSessions.environment();
        try (var i = ai.onnxruntime.OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(ids), new long[] {2, 5});
             var m = ai.onnxruntime.OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(mask), new long[] {2, 5})) {
            return OrtRun.run(model, java.util.Map.of("input_ids", i, "attention_mask", m));
        }
    }
}
