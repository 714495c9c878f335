package dev.nncj.train.execution;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.GraphBuilder;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.train.ops.TensorArrays;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Gradients from PyTorch's autograd through the executor against central finite differences. The
 * graphs are float64 so that differences with h = 1e-6 are accurate to about 1e-9 (truncation
 * O(h^2), rounding O(1e-16 / h)); a tolerance of 1e-6 then catches any wrong or missing term while
 * leaving no room for float noise. The loss is sum(y * R) with a fixed random R, so every output
 * element contributes with its own weight.
 */
class GradientCheckTest {
    private static final double H = 1e-6;
    private static final double TOLERANCE = 1e-6;
    private final Random random = new Random(7);

    static Tensor doubles(String name, long[] shape, double... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : values) {
            b.putDouble(v);
        }
        return Tensor.ofRaw(name, DataType.DOUBLE, shape, b.flip());
    }

    private Tensor rand(String name, long... shape) {
        int n = (int) new Shape(shape).size();
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = random.nextGaussian();
        }
        return doubles(name, shape, v);
    }

    /** x[3,4] ── MatMul(W[4,5]) ── Add(b[5]) ── y */
    @Test
    void matMulAndAdd() {
        GraphBuilder b = new GraphBuilder("matmul_add", 17);
        String x = b.input("x", DataType.DOUBLE, 3, 4);
        String mm = b.op("MatMul", x, b.initializer(rand("W", 4, 5)));
        b.output(b.op("Add", mm, b.initializer(rand("b", 5))), "y", DataType.DOUBLE, 3, 5);
        check(b.build(), Map.of("x", rand("x", 3, 4)), List.of("W", "b"));
    }

    /** x[2,3,4] ── MatMul(W[4,6]) ── Softmax(-1) ── y */
    @Test
    void softmax() {
        GraphBuilder b = new GraphBuilder("softmax", 13);
        String x = b.input("x", DataType.DOUBLE, 2, 3, 4);
        String mm = b.op("MatMul", x, b.initializer(rand("W", 4, 6)));
        b.output(b.op("Softmax", mm), "y", DataType.DOUBLE, 2, 3, 6);
        check(b.build(), Map.of("x", rand("x", 2, 3, 4)), List.of("W"));
    }

    /**
     * Layer norm as BERT exports spell it at opset 11 (the MiniLM graph):
     * <pre>
     * h = x W;  d = h - ReduceMean(h);  n = d / Sqrt(ReduceMean(Pow(d, 2)) + eps);  y = n * gamma + beta
     * </pre>
     */
    @Test
    void layerNormDecomposition() {
        GraphBuilder b = new GraphBuilder("layer_norm", 11);
        String x = b.input("x", DataType.DOUBLE, 2, 3, 4);
        String h = b.op("MatMul", x, b.initializer(rand("W", 4, 6)));
        String mean = b.node("ReduceMean", h).set("axes", new long[] {-1}).output(0);
        String d = b.op("Sub", h, mean);
        Node two = b.node("Constant").set("value", doubles("two", new long[0], 2.0));
        String variance = b.node("ReduceMean", b.op("Pow", d, two.output(0))).set("axes", new long[] {-1}).output(0);
        Node eps = b.node("Constant").set("value", doubles("eps", new long[0], 1e-5));
        String n = b.op("Div", d, b.op("Sqrt", b.op("Add", variance, eps.output(0))));
        String y = b.op("Add", b.op("Mul", n, b.initializer(rand("gamma", 6))), b.initializer(rand("beta", 6)));
        b.output(y, "y", DataType.DOUBLE, 2, 3, 6);
        check(b.build(), Map.of("x", rand("x", 2, 3, 4)), List.of("W", "gamma", "beta"));
    }

    /** The fused LayerNormalization op (opset 17) gives the same kind of gradients. */
    @Test
    void layerNormalizationOp() {
        GraphBuilder b = new GraphBuilder("ln17", 17);
        String x = b.input("x", DataType.DOUBLE, 2, 3, 4);
        String h = b.op("MatMul", x, b.initializer(rand("W", 4, 6)));
        Node ln = b.node("LayerNormalization", h, b.initializer(rand("gamma", 6)), b.initializer(rand("beta", 6)));
        b.output(ln.output(0), "y", DataType.DOUBLE, 2, 3, 6);
        check(b.build(), Map.of("x", rand("x", 2, 3, 4)), List.of("W", "gamma", "beta"));
    }

    /** BERT's exact GELU: h = x W;  y = h * 0.5 * (1 + Erf(h / sqrt 2)) */
    @Test
    void erfGelu() {
        GraphBuilder b = new GraphBuilder("gelu", 11);
        String x = b.input("x", DataType.DOUBLE, 3, 4);
        String h = b.op("MatMul", x, b.initializer(rand("W", 4, 5)));
        String erf = b.op("Erf", b.op("Div", h, b.initializer(doubles("sqrt2", new long[0], Math.sqrt(2)))));
        String one = b.initializer(doubles("one", new long[0], 1));
        String half = b.initializer(doubles("half", new long[0], 0.5));
        b.output(b.op("Mul", b.op("Mul", h, half), b.op("Add", erf, one)), "y", DataType.DOUBLE, 3, 5);
        check(b.build(), Map.of("x", rand("x", 3, 4)), List.of("W"));
    }

    /**
     * An embedding lookup with a repeated id (its row's gradient is the sum of both uses) and rows
     * never looked up (gradient exactly zero): ids[2,3] ── Gather(table[6,4]) ── Mul(scale[4]) ── y
     */
    @Test
    void gatherAccumulatesRepeatedRows() {
        GraphBuilder b = new GraphBuilder("gather", 13);
        String ids = b.input("ids", DataType.INT64, 2, 3);
        String g = b.op("Gather", b.initializer(rand("table", 6, 4)), ids);
        b.output(b.op("Mul", g, b.initializer(rand("scale", 4))), "y", DataType.DOUBLE, 2, 3, 4);
        Map<String, double[]> grads = check(b.build(),
                Map.of("ids", Tensor.ofLongs("ids", new long[] {2, 3}, 1, 4, 1, 0, -1, 4)), List.of("table", "scale"));
        double[] table = grads.get("table");
        for (int row : new int[] {2, 3}) {
            for (int k = 0; k < 4; k++) {
                assertThat(table[row * 4 + k]).isZero();
            }
        }
    }

    /**
     * A table looked up with few distinct ids, each repeated hundreds of times, as token ids are: the
     * table's gradient has the same bits every time (it once came from parallel atomic adds, whose
     * order changed from pass to pass, and no two MiniLM runs ended with the same weights).
     * ids[32,64] in 0..4 ── Gather(table[50,384]) ── Mul(R) ── sum (MiniLM's width)
     */
    @Test
    void aTableLookupsGradientHasTheSameBitsEveryPass() {
        GraphBuilder b = new GraphBuilder("lookup", 13);
        String ids = b.input("ids", DataType.INT64, 32, 64);
        float[] table = new float[50 * 384];
        float[] weights = new float[32 * 64 * 384];
        for (int i = 0; i < table.length; i++) {
            table[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (float) random.nextGaussian();
        }
        String g = b.op("Gather", b.initializer(Tensor.ofFloats("table", new long[] {50, 384}, table)), ids);
        b.output(b.op("Mul", g, b.initializer(Tensor.ofFloats("r", new long[] {32, 64, 384}, weights))), "y",
                DataType.FLOAT, 32, 64, 384);
        long[] idValues = new long[32 * 64];
        for (int i = 0; i < idValues.length; i++) {
            idValues[i] = random.nextInt(5);
        }
        Tensor idTensor = Tensor.ofLongs("ids", new long[] {32, 64}, idValues);
        List<float[]> gradients = new java.util.ArrayList<>();
        try (OnnxExecutor executor = OnnxExecutor.create(b.build(), ExecutorOptions.defaults().freezing("r"))) {
            for (int pass = 0; pass < 6; pass++) {
                executor.zeroGradients();
                try (NDManager scope = executor.manager().newSubManager();
                        GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                    NDArray y = executor.forward(scope, Map.of("ids", TensorArrays.toArray(scope, idTensor))).get("y");
                    collector.backward(y.sum());
                }
                gradients.add(executor.trainableParameters().get(0).array().getGradient().toFloatArray());
            }
        }
        for (float[] later : gradients.subList(1, gradients.size())) {
            assertThat(later).containsExactly(gradients.get(0));
        }
    }

    /**
     * Deep Compression's centroid gradient (Han et al. 2016, eq. 3: dL/dC_k = sum of dL/dW_ij over the
     * weights in cluster k) comes out of Gather's backward when the codebook is the parameter, in the
     * exact form {@link dev.nncj.cluster.CodebookWeight} writes; the Constant zero (index 0, pruned
     * weights) is no parameter:
     * <pre>
     * Constant [0] ─┐
     * codebook[4] ──┴ Concat ─┐
     * idx uint8[3,4] ─ Cast ──┴ Gather ─ W[3,4] ─┐
     * x[2,3] ────────────────────────────────────┴ MatMul ─ y[2,4]
     * </pre>
     */
    @Test
    void codebookGradientIsTheSumOverItsCluster() {
        GraphBuilder b = new GraphBuilder("codebook", 17);
        String x = b.input("x", DataType.DOUBLE, 2, 3);
        Node zero = b.node("Constant");
        zero.set("value", doubles("zero", new long[] {1}, 0.0));
        Node concat = b.node("Concat", zero.output(0), b.initializer(rand("codebook", 4)));
        concat.set("axis", 0L);
        byte[] idx = {1, 2, 0, 1, 4, 4, 1, 0, 2, 1, 4, 0}; // centroid 3 (index 3) is never used
        String indices = b.initializer(Tensor.ofRaw("idx", DataType.UINT8, new long[] {3, 4}, ByteBuffer.wrap(idx)));
        Node cast = b.node("Cast", indices);
        cast.set("to", (long) DataType.INT32.code());
        String w = b.node("Gather", concat.output(0), cast.output(0)).set("axis", 0L).output(0);
        b.output(b.op("MatMul", x, w), "y", DataType.DOUBLE, 2, 4);
        Map<String, double[]> grads = check(b.build(), Map.of("x", rand("x", 2, 3)), List.of("codebook"));
        assertThat(grads.get("codebook")[2]).isZero();
    }

    /**
     * Compares autograd's gradient of every element of {@code params} with central differences and
     * returns the analytic gradients.
     */
    private Map<String, double[]> check(OnnxModel model, Map<String, Tensor> inputs, List<String> params) {
        Map<String, double[]> analytic = new LinkedHashMap<>();
        double[] weights;
        try (OnnxExecutor executor = OnnxExecutor.create(model, ExecutorOptions.defaults());
                NDManager step = executor.manager().newSubManager()) {
            Map<String, NDArray> feeds = feeds(step, inputs);
            try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray y = executor.forward(step, feeds).get("y");
                weights = new double[(int) y.size()];
                for (int i = 0; i < weights.length; i++) {
                    weights[i] = random.nextGaussian();
                }
                NDArray r = step.create(weights, y.getShape());
                collector.backward(y.mul(r).sum());
            }
            for (Parameter p : executor.parameters()) {
                if (params.contains(p.name())) {
                    try (NDArray grad = p.array().getGradient()) {
                        analytic.put(p.name(), grad.toDoubleArray());
                    }
                }
            }
        }
        assertThat(analytic.keySet()).containsExactlyInAnyOrderElementsOf(params);
        for (String name : params) {
            Tensor original = model.graph().initializer(name).orElseThrow();
            double[] values = toDoubles(original);
            double[] grad = analytic.get(name);
            double largest = 0;
            for (int i = 0; i < values.length; i++) {
                double saved = values[i];
                values[i] = saved + H;
                double plus = loss(model, original, values, inputs, weights);
                values[i] = saved - H;
                double minus = loss(model, original, values, inputs, weights);
                values[i] = saved;
                double numeric = (plus - minus) / (2 * H);
                assertThat(grad[i]).as("d loss / d %s[%d]", name, i).isCloseTo(numeric, org.assertj.core.data.Offset.offset(TOLERANCE));
                largest = Math.max(largest, Math.abs(numeric));
            }
            model.graph().replaceInitializer(original);
            // a check over all-zero gradients would pass for a graph that ignores the parameter
            assertThat(largest).as("largest |gradient| of %s", name).isGreaterThan(1e-3);
        }
        return analytic;
    }

    private static double loss(OnnxModel model, Tensor original, double[] values, Map<String, Tensor> inputs,
            double[] weights) {
        model.graph().replaceInitializer(doubles(original.name(), original.shape(), values));
        try (OnnxExecutor executor = OnnxExecutor.create(model, ExecutorOptions.defaults());
                NDManager step = executor.manager().newSubManager()) {
            double[] y = executor.forward(step, feeds(step, inputs)).get("y").toDoubleArray();
            double sum = 0;
            for (int i = 0; i < y.length; i++) {
                sum += y[i] * weights[i];
            }
            return sum;
        }
    }

    private static Map<String, NDArray> feeds(NDManager manager, Map<String, Tensor> inputs) {
        Map<String, NDArray> feeds = new HashMap<>();
        inputs.forEach((name, t) -> feeds.put(name, TensorArrays.toArray(manager, t)));
        return feeds;
    }

    private static double[] toDoubles(Tensor t) {
        ByteBuffer b = t.rawData();
        double[] out = new double[(int) t.numElements()];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getDouble();
        }
        return out;
    }
}
