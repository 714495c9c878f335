package dev.nncj.sparsity;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.GraphBuilder;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.runtime.OrtSessions;
import dev.nncj.runtime.RuntimeOptions;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

/** Tiny models for the sparsity tests, and a way to run them through ONNX Runtime. */
final class SparseModels {
    private SparseModels() {}

    static float[] gaussian(int n, long seed) {
        Random r = new Random(seed);
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) r.nextGaussian();
        }
        return w;
    }

    /**
     * <pre>
     * x[2,16] ── MatMul(w1[16,64]) ── Relu ── Gemm(w2[8,64], b2[8], transB=1) ── y[2,8]
     * </pre>
     * w1 (1,024 elements) and w2 (512) are Gaussian; b2 is never pruned.
     */
    static OnnxModel mlp() {
        GraphBuilder b = new GraphBuilder("mlp", 17);
        String x = b.input("x", DataType.FLOAT, 2, 16);
        String w1 = b.initializer(Tensor.ofFloats("w1", new long[] {16, 64}, gaussian(16 * 64, 1)));
        String w2 = b.initializer(Tensor.ofFloats("w2", new long[] {8, 64}, gaussian(8 * 64, 2)));
        String b2 = b.initializer(Tensor.ofFloats("b2", new long[] {8}, gaussian(8, 3)));
        String h = b.op("Relu", b.op("MatMul", x, w1));
        String y = b.node("Gemm", h, w2, b2).set("transB", 1L).output(0);
        b.output(y, "y", DataType.FLOAT, 2, 8);
        return b.build();
    }

    /** x[1,8,5,5] ── Conv(w[4,8,3,3]) ── y[1,4,3,3] */
    static OnnxModel conv() {
        GraphBuilder b = new GraphBuilder("conv", 17);
        String x = b.input("x", DataType.FLOAT, 1, 8, 5, 5);
        String w = b.initializer(Tensor.ofFloats("w", new long[] {4, 8, 3, 3}, gaussian(4 * 8 * 9, 4)));
        b.output(b.op("Conv", x, w), "y", DataType.FLOAT, 1, 4, 3, 3);
        return b.build();
    }

    /** x[1,4] ── Relu ── Add(c[4]) ── y: nothing to prune (Add's constant is not a weight). */
    static OnnxModel noWeights() {
        GraphBuilder b = new GraphBuilder("no_weights", 17);
        String x = b.input("x", DataType.FLOAT, 1, 4);
        String c = b.initializer(Tensor.ofFloats("c", new long[] {4}, 1, 2, 3, 4));
        b.output(b.op("Add", b.op("Relu", x), c), "y", DataType.FLOAT, 1, 4);
        return b.build();
    }

    /** Runs {@code model} on one float input and returns the first output, flattened. */
    static float[] run(Path model, String input, long[] shape, float[] values) throws Exception {
        try (OrtSession s = OrtSessions.open(model, RuntimeOptions.defaults());
             OnnxTensor in = OnnxTensor.createTensor(OrtSessions.environment(), java.nio.FloatBuffer.wrap(values), shape);
             OrtSession.Result r = s.run(Map.of(input, in))) {
            return ((OnnxTensor) r.get(0)).getFloatBuffer().array();
        }
    }
}
