package dev.nncj.onnx;

/** Tiny models built in code for tests; each method's comment draws its graph. */
public final class TinyModels {
    private TinyModels() {}

    /**
     * <pre>
     * x[batch,4] ── MatMul(w[4,3]) ── Add(b[3]) ── Relu ── y[batch,3]
     * </pre>
     * plus one unused initializer "orphan" and one dead node, for cleanup tests.
     */
    public static OnnxModel linearRelu() {
        GraphBuilder b = new GraphBuilder("linear_relu", 17);
        String x = b.input("x", DataType.FLOAT, "batch", 4);
        float[] w = new float[12];
        for (int i = 0; i < w.length; i++) {
            w[i] = (i % 5 - 2) * 0.25f;
        }
        String weight = b.initializer(Tensor.ofFloats("w", new long[] {4, 3}, w));
        String bias = b.initializer(Tensor.ofFloats("b", new long[] {3}, 0.1f, -0.2f, 0.3f));
        b.initializer(Tensor.ofFloats("orphan", new long[] {2}, 1f, 2f));
        String mm = b.op("MatMul", x, weight);
        b.op("Neg", mm); // dead: nothing reads it
        String y = b.op("Relu", b.op("Add", mm, bias));
        b.output(y, "y", DataType.FLOAT, "batch", 3);
        return b.build();
    }

    /**
     * A bag-of-words text classifier over {@code dev.nncj.data.TinyTokenizer}'s ids:
     * <pre>
     * input_ids[batch,seq] ── Gather(embeddings[vocab,2]) ── ReduceMean(axis 1) ── logits[batch,2]
     * attention_mask[batch,seq] ── (declared, unused: BERT exports have it)
     * </pre>
     * "cat" (5) votes for class 1 and "dog" (9) for class 0; every other token is neutral.
     */
    public static OnnxModel bagOfWordsClassifier(int vocabularyRows) {
        GraphBuilder b = new GraphBuilder("bag_of_words", 17);
        String ids = b.input("input_ids", DataType.INT64, "batch", "seq");
        b.input("attention_mask", DataType.INT64, "batch", "seq");
        float[] table = new float[vocabularyRows * 2];
        if (vocabularyRows > 9) {
            table[5 * 2 + 1] = 4f;
            table[9 * 2] = 4f;
        }
        String emb = b.initializer(Tensor.ofFloats("embeddings.word_embeddings.weight",
                new long[] {vocabularyRows, 2}, table));
        String gathered = b.op("Gather", emb, ids);
        Node mean = b.node("ReduceMean", gathered).set("axes", new long[] {1}).set("keepdims", 0L);
        b.output(mean.output(0), "logits", DataType.FLOAT, "batch", 2);
        return b.build();
    }

    /**
     * A token-embedding model, the shape of a sentence encoder:
     * <pre>
     * input_ids[batch,seq] ── Gather(embeddings[vocab,4] * scale + noise) ── last_hidden_state[batch,seq,4]
     * attention_mask, token_type_ids: declared, unused
     * </pre>
     * {@code noise} perturbs every weight by a fixed pattern, so two models differ measurably.
     */
    public static OnnxModel tokenEmbedder(int vocabularyRows, float noise) {
        GraphBuilder b = new GraphBuilder("token_embedder", 17);
        String ids = b.input("input_ids", DataType.INT64, "batch", "seq");
        b.input("attention_mask", DataType.INT64, "batch", "seq");
        b.input("token_type_ids", DataType.INT64, "batch", "seq");
        float[] table = new float[vocabularyRows * 4];
        for (int i = 0; i < table.length; i++) {
            table[i] = (float) Math.sin(i * 0.7) + noise * (float) Math.cos(i * 1.3);
        }
        String emb = b.initializer(Tensor.ofFloats("embeddings.word_embeddings.weight",
                new long[] {vocabularyRows, 4}, table));
        b.output(b.op("Gather", emb, ids), "last_hidden_state", DataType.FLOAT, "batch", "seq", 4);
        return b.build();
    }

    /**
     * A sentence-encoder-shaped model with one projection, Gaussian weights (seeds 1 and 2):
     * <pre>
     * input_ids[batch,seq] ── Gather(emb[vocab,64]) ── MatMul(w[64,width]) ── last_hidden_state[batch,seq,width]
     * attention_mask: declared (the evals feed it), unused
     * </pre>
     */
    public static OnnxModel projectedEmbedder(int vocabularyRows, int width) {
        GraphBuilder b = new GraphBuilder("tiny_encoder", 17);
        String ids = b.input("input_ids", DataType.INT64, "batch", "seq");
        b.input("attention_mask", DataType.INT64, "batch", "seq");
        String emb = b.initializer(Tensor.ofFloats("embeddings.word_embeddings.weight",
                new long[] {vocabularyRows, 64}, gaussian(vocabularyRows * 64, 1)));
        String w = b.initializer(Tensor.ofFloats("w", new long[] {64, width}, gaussian(64 * width, 2)));
        b.output(b.op("MatMul", b.op("Gather", emb, ids), w), "last_hidden_state", DataType.FLOAT, "batch", "seq", width);
        return b.build();
    }

    public static float[] gaussian(int n, long seed) {
        java.util.Random r = new java.util.Random(seed);
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) r.nextGaussian();
        }
        return w;
    }
}
