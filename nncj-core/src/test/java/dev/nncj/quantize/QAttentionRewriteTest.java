package dev.nncj.quantize;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nncj.ProgressListener;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.GraphBuilder;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.NodeFilter;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** dynamic-int8 turns com.microsoft.Attention (Q/K/V packed) into QAttention, which ORT runs within a derived bound. */
class QAttentionRewriteTest {
    static final int S = 5;
    static final int H = 8;
    static final int HEADS = 2;
    static final int D = H / HEADS;

    @TempDir
    Path dir;

    /** x[1,S,H] -> Attention(x, W[H,3H], b[3H], mask_index[1,S]) -> y[1,S,H]. */
    static OnnxModel attention() {
        GraphBuilder b = new GraphBuilder("attention", 13);
        String x = b.input("x", DataType.FLOAT, 1, S, H);
        String mask = b.input("mask", DataType.INT32, 1, S);
        String w = b.initializer(Tensor.ofFloats("qkv_weight", new long[] {H, 3 * H}, weights()));
        String bias = b.initializer(Tensor.ofFloats("qkv_bias", new long[] {3 * H}, biases()));
        Node att = b.node("com.microsoft", "Attention", 1, x, w, bias, mask);
        att.set("num_heads", (long) HEADS);
        b.output(att.output(0), "y", DataType.FLOAT, 1, S, H);
        OnnxModel m = b.build();
        m.requireOpset("com.microsoft", 1);
        return m;
    }

    static float[] weights() {
        float[] w = new float[H * 3 * H];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) Math.sin(i * 0.37 + 1) * (0.1f + 0.2f * (i % (3 * H)) / (3f * H));
        }
        return w;
    }

    static float[] biases() {
        float[] bias = new float[3 * H];
        for (int i = 0; i < bias.length; i++) {
            bias[i] = (float) Math.cos(i * 1.3) * 0.2f;
        }
        return bias;
    }

    static float[][][] input() {
        float[][][] x = new float[1][S][H];
        for (int s = 0; s < S; s++) {
            for (int h = 0; h < H; h++) {
                x[0][s][h] = (float) Math.cos(s * 2.1 + h * 0.7) * 1.5f;
            }
        }
        return x;
    }

    @Test
    void attentionBecomesQAttentionAndOrtRunsItWithinTheBound() throws Exception {
        QuantizeOptions o = new QuantizeOptions(QuantizationMode.DYNAMIC_INT8, NodeFilter.all(), true, true, 32,
                QuantizeOptions.Fp8Format.E4M3FN, Optional.empty(), false, true);
        QuantizationResult r = new DynamicInt8Quantizer().quantize(attention(), o, ProgressListener.NONE);
        OnnxModel q = r.model();
        assertThat(q.graph().nodes()).extracting(Node::opType).containsExactly("DynamicQuantizeLinear", "QAttention");
        Node qa = q.graph().nodes().get(1);
        assertThat(qa.domain()).isEqualTo("com.microsoft");
        assertThat(qa.intAttribute("num_heads", 0)).isEqualTo(HEADS);
        assertThat(qa.input(5)).isEqualTo("mask");
        assertThat(q.graph().initializers()).doesNotContainKey("qkv_weight");
        assertThat(r.quantizedNodes()).containsExactly("attention");

        int[] mask = {1, 1, 1, 1, 0};
        Map<String, Object> feeds = Map.of("x", input(), "mask", new int[][] {mask});
        float[] expected = OrtRun.run(attention(), dir.resolve("fp32.onnx"), feeds);
        float[] got = OrtRun.run(q, dir.resolve("q.onnx"), feeds);
        float bound = bound(input()[0], weights(), biases());
        // the check below must be able to fail: the bound is a fraction of the outputs' range
        assertThat(bound).isLessThan(0.2f * maxDiff(expected, new float[expected.length]));
        for (int i = 0; i < expected.length; i++) {
            assertThat(Math.abs(got[i] - expected[i])).as("y[%d]", i).isLessThanOrEqualTo(bound);
        }
    }

    /**
     * E bounds each projected q, k, v element's error (the per-column step of W and the step of x, as
     * {@link DynamicInt8QuantizerTest#bound}); a score q·k/√d then moves by at most
     * Ds = (|q|·E + |k|·E + E²)·d/√d, softmax's weights by at most e^{2Ds} - 1 in total (each ratio
     * p'/p stays within e^{±2Ds}), and the output Σ p v by that times (|v| + E), plus E.
     */
    static float bound(float[][] x, float[] w, float[] bias) {
        int n = 3 * H;
        float ex = DynamicInt8QuantizerTest.inputHalfStep(x);
        float e = 0;
        float[] maxAbs = new float[3];
        for (int c = 0; c < n; c++) {
            float clo = Float.POSITIVE_INFINITY;
            float chi = Float.NEGATIVE_INFINITY;
            for (int k = 0; k < H; k++) {
                clo = Math.min(clo, w[k * n + c]);
                chi = Math.max(chi, w[k * n + c]);
            }
            float ew = UInt8Params.forRange(clo, chi, true).scale() / 2f;
            for (float[] row : x) {
                float err = 0;
                float y = bias[c];
                for (int k = 0; k < H; k++) {
                    err += Math.abs(row[k]) * ew + Math.abs(w[k * n + c]) * ex + ex * ew;
                    y += row[k] * w[k * n + c];
                }
                e = Math.max(e, err);
                maxAbs[c / H] = Math.max(maxAbs[c / H], Math.abs(y));
            }
        }
        double ds = (maxAbs[0] * e + maxAbs[1] * e + e * e) * D / Math.sqrt(D);
        double dp = Math.expm1(2 * ds);
        return (float) (dp * (maxAbs[2] + e) + e) + 1e-4f;
    }

    /** max |a - b|. */
    static float maxDiff(float[] a, float[] b) {
        float m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
