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
}
