package dev.nncj.train.movement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

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
import dev.nncj.train.execution.ExecutorOptions;
import dev.nncj.train.execution.OnnxExecutor;
import dev.nncj.train.execution.Parameter;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Sanh et al.'s straight-through estimator on a tiny product, checked against hand-computed
 * values. With L = sum(y) and y = x W', dL/dW'[k, n] = g[k] = sum over rows r of x[r, k], so
 * dL/dS = g[k] * W[k, n] (summed over a block), dL/dW = g[k] * M[k, n], and y = x (W * M).
 * <pre>
 * S ─ MovementTopK (half kept) ─ M
 * x[2,3] ─ MatMul ─ y[2,4]
 * W[3,4] ─ MovementMaskedWeight(W, S, M) ┘
 * </pre>
 */
class MovementGradientTest {
    private static final float[] X = {1, 2, -1, 0.5f, -3, 2};
    private static final float[] W = {0.5f, -0.3f, 0.2f, 0.9f, -0.7f, 0.4f, 0.1f, -0.2f, 0.6f, -0.8f, 0.3f, 0.05f};
    /** Column sums of x: g = (1.5, -1, 1). */
    private static final float[] G = {1.5f, -1, 1};

    private static OnnxModel graph(Tensor scores, long unitWeights, long axis, long block) {
        GraphBuilder b = new GraphBuilder("movement", 13);
        b.opset(MovementGraph.DOMAIN, 1);
        String x = b.input("x", DataType.FLOAT, 2, 3);
        String w = b.initializer(Tensor.ofFloats("w", new long[] {3, 4}, W));
        String s = b.initializer(scores);
        Node topK = b.node(MovementGraph.DOMAIN, ScoreMasks.OP, 1, s);
        topK.set(ScoreMasks.UNIT_WEIGHTS, new long[] {unitWeights}).set(ScoreMasks.GLOBAL, 1L);
        Node masked = b.node(MovementGraph.DOMAIN, MovementGraph.MASKED_WEIGHT, 1, w, s, topK.output(0));
        masked.set("axis", axis).set("block", block);
        b.output(b.op("MatMul", x, masked.output(0)), "y", DataType.FLOAT, 2, 4);
        return b.build();
    }

    /** y, dL/dS and dL/dW of L = sum(y), masks at half kept. */
    private static float[][] run(OnnxModel model) {
        try (ScoreMasks masks = ScoreMasks.fixed(0.5);
                OnnxExecutor executor = OnnxExecutor.create(model, ExecutorOptions.defaults().withOps(masks.registry(1)));
                NDManager step = executor.manager().newSubManager()) {
            NDArray input = step.create(X, new Shape(2, 3));
            try (GradientCollector c = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray y = executor.forward(step, Map.of("x", input)).get("y");
                c.backward(y.sum());
                float[] out = y.toFloatArray();
                Parameter s = executor.parameters().stream().filter(p -> p.name().equals("s")).findFirst().orElseThrow();
                Parameter w = executor.parameters().stream().filter(p -> p.name().equals("w")).findFirst().orElseThrow();
                return new float[][] {out, s.array().getGradient().toFloatArray(), w.array().getGradient().toFloatArray()};
            }
        }
    }

    private static float[] product(float[] weights) {
        float[] y = new float[8];
        for (int r = 0; r < 2; r++) {
            for (int n = 0; n < 4; n++) {
                for (int k = 0; k < 3; k++) {
                    y[r * 4 + n] += X[r * 3 + k] * weights[k * 4 + n];
                }
            }
        }
        return y;
    }

    /** One score per weight; scores 0..11 in index order, so the 6 kept are indexes 6..11 (rows 1.5 and 2). */
    @Test
    void unstructuredScoresGetTheGradientTimesTheWeight() {
        float[] s = new float[12];
        float[] mask = new float[12];
        for (int i = 0; i < 12; i++) {
            s[i] = i;
            mask[i] = i >= 6 ? 1 : 0;
        }
        float[][] r = run(graph(Tensor.ofFloats("s", new long[] {3, 4}, s), 1, -1, 1));
        float[] maskedW = new float[12];
        for (int i = 0; i < 12; i++) {
            maskedW[i] = W[i] * mask[i];
        }
        assertThat(r[0]).containsExactly(product(maskedW), within(1e-6f));
        for (int i = 0; i < 12; i++) {
            float g = G[i / 4];
            assertThat(r[1][i]).as("dL/dS[%d]", i).isCloseTo(g * W[i], within(1e-6f));
            assertThat(r[2][i]).as("dL/dW[%d]", i).isCloseTo(g * mask[i], within(1e-6f));
        }
    }

    /**
     * Two column blocks of 2 (as a head of size 2 in Wq): S = (1, 2) keeps block 1 (columns 2, 3).
     * dL/dS_j = sum over the block's 6 weights of g[k] W[k, n].
     */
    @Test
    void blockScoresSumOverTheirColumns() {
        float[][] r = run(graph(Tensor.ofFloats("s", new long[] {2}, 1f, 2f), 6, 1, 2));
        float[] maskedW = W.clone();
        for (int k = 0; k < 3; k++) {
            maskedW[k * 4] = 0;
            maskedW[k * 4 + 1] = 0;
        }
        assertThat(r[0]).containsExactly(product(maskedW), within(1e-6f));
        for (int j = 0; j < 2; j++) {
            float expected = 0;
            for (int k = 0; k < 3; k++) {
                for (int n = 2 * j; n < 2 * j + 2; n++) {
                    expected += G[k] * W[k * 4 + n];
                }
            }
            assertThat(r[1][j]).as("dL/dS[%d]", j).isCloseTo(expected, within(1e-6f));
        }
        for (int i = 0; i < 12; i++) {
            assertThat(r[2][i]).as("dL/dW[%d]", i).isCloseTo(G[i / 4] * (i % 4 >= 2 ? 1 : 0), within(1e-6f));
        }
    }
}
