package dev.nncj.quantize;

import static dev.nncj.quantize.BlockWeightQuantizerTest.ops;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.GraphBuilder;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.NodeFilter;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.OpsetUpgrade;
import dev.nncj.onnx.Tensor;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class Fp8QuantizerTest {
    @Test
    void perChannelScaleIsTheColumnMaximumOver448() {
        // W[2,2] = [[448, -112], [-896, 56]]: column maxima 896 and 112 -> scales 896/448 = 2, 112/448 = 0.25
        float[] w = {448f, -112f, -896f, 56f};
        float[] s = Fp8Scales.scales(w, new long[] {2, 2}, 1, 448f);
        assertThat(s).containsExactly(2f, 0.25f);
        assertThat(Fp8Scales.divide(w, new long[] {2, 2}, 1, s)).containsExactly(224f, -448f, -448f, 224f);
        // per row (axis 0): 448 and 896; per tensor for E5M2: 896 / 57344 = 2^-6
        assertThat(Fp8Scales.scales(w, new long[] {2, 2}, 0, 448f)).containsExactly(1f, 2f);
        assertThat(Fp8Scales.scales(w, new long[] {2, 2}, -1, 57344f)).containsExactly(0.015625f);
        assertThat(Fp8Scales.scales(new float[4], new long[] {2, 2}, 0, 448f)).containsExactly(1f, 1f);
    }

    /**
     * y = x @ W + b at opset 11, upgraded to 19. E4M3FN keeps 3 mantissa bits, so each weight moves
     * by at most 2^-4 of its magnitude, or by half the smallest subnormal step (2^-10 * s) near zero:
     * |y - y32| <= sum_k |x_k| (2^-4 |w_kn| + 2^-10 s_n). E5M2 has 2 bits: 2^-3 and 2^-17 s_n.
     */
    @ParameterizedTest
    @EnumSource(QuantizeOptions.Fp8Format.class)
    void matMulWeightsBecomeFloat8WithinHalfAnUlp(QuantizeOptions.Fp8Format format) throws Exception {
        OnnxModel model = TinyEncoders.linear(40, 12, 11);
        float[] w = model.graph().initializer("w").orElseThrow().toFloats();
        float[] x = TinyEncoders.weights(9, 3 * 40, 2f);
        float[] before = OrtRun.floats(model, "x", x, 3, 40);
        QuantizeOptions d = QuantizeOptions.defaults(QuantizationMode.FP8);
        QuantizeOptions options = new QuantizeOptions(d.mode(), d.nodes(), true, true, 32, format, d.calibration(),
                false, true);

        QuantizationResult result = new Fp8Quantizer().quantize(model, options, ProgressListener.NONE);
        assertThat(result.model().opset()).isEqualTo(19);
        assertThat(result.model().irVersion()).isGreaterThanOrEqualTo(9);
        assertThat(ops(result.model())).containsEntry("DequantizeLinear", 1L).containsEntry("MatMul", 1L);
        Node dq = result.model().graph().nodes().stream().filter(n -> n.is("DequantizeLinear")).findFirst().orElseThrow();
        assertThat(result.model().graph().initializer(dq.input(0)).orElseThrow().type())
                .isEqualTo(format == QuantizeOptions.Fp8Format.E5M2 ? DataType.FLOAT8E5M2 : DataType.FLOAT8E4M3FN);
        assertThat(dq.intAttribute("axis", -99)).isEqualTo(1);
        float[] scales = result.model().graph().initializer(dq.input(1)).orElseThrow().toFloats();
        assertThat(scales).hasSize(12);

        float[] after = OrtRun.floats(result.model(), "x", x, 3, 40);
        double relative = format == QuantizeOptions.Fp8Format.E5M2 ? Math.pow(2, -3) : Math.pow(2, -4);
        double subnormal = format == QuantizeOptions.Fp8Format.E5M2 ? Math.pow(2, -17) : Math.pow(2, -10);
        for (int r = 0; r < 3; r++) {
            for (int n = 0; n < 12; n++) {
                double bound = 1e-5;
                for (int k = 0; k < 40; k++) {
                    bound += Math.abs(x[r * 40 + k]) * (relative * Math.abs(w[k * 12 + n]) + subnormal * scales[n]);
                }
                assertThat((double) Math.abs(after[r * 12 + n] - before[r * 12 + n])).isLessThanOrEqualTo(bound);
            }
        }
    }

    /** Opset 11 encoders with Unsqueeze/ReduceMean axes attributes and Softmax(axis=2) of a rank-3 input. */
    @ParameterizedTest
    @EnumSource(QuantizeOptions.Fp8Format.class)
    void bertShapedEncoderIsUpgradedAndItsEmbeddingDecodedThroughTheFormatTable(QuantizeOptions.Fp8Format format)
            throws Exception {
        OnnxModel model = TinyEncoders.bertLike(60, 32, 64, 2);
        float[] before = TinyEncoders.runBertLike(model, 60);
        QuantizeOptions d = QuantizeOptions.defaults(QuantizationMode.FP8);
        QuantizeOptions options = new QuantizeOptions(d.mode(), d.nodes(), true, true, 32, format, d.calibration(),
                false, true);
        QuantizationResult result = new Fp8Quantizer().quantize(model, options, ProgressListener.NONE);
        assertThat(result.model().opset()).isEqualTo(19);
        assertThat(ops(result.model())).containsEntry("DequantizeLinear", 12L).containsEntry("Gather", 2L);
        assertThat(result.quantizedNodes()).hasSize(13);
        // the attributes that became inputs at opsets 13 and 18
        for (Node n : result.model().graph().nodes()) {
            if (n.is("Unsqueeze") || n.is("ReduceMean")) {
                assertThat(n.attribute("axes")).isEmpty();
                assertThat(n.inputs()).hasSize(2);
            }
        }
        assertThat(result.notes()).anyMatch(s -> s.contains("raised from 11 to 19"));
        float[] after = TinyEncoders.runBertLike(result.model(), 60);
        double tolerance = format == QuantizeOptions.Fp8Format.E5M2 ? 0.1 : 0.05;
        assertThat(BlockWeightQuantizerTest.relativeError(before, after)).isLessThan(tolerance);
    }

    @Test
    void theUpgradeAloneLeavesOutputsIdentical() throws Exception {
        OnnxModel model = TinyEncoders.bertLike(60, 32, 64, 1);
        float[] before = TinyEncoders.runBertLike(model, 60);
        new OpsetUpgrade(19).apply(model);
        assertThat(model.opset()).isEqualTo(19);
        assertThat(TinyEncoders.runBertLike(model, 60)).containsExactly(before);
    }

    @Test
    void aSoftmaxWhoseMeaningWouldChangeIsRefusedAndNothingIsTouched() {
        // x[2,3,4] ── Softmax(axis=1): opset 11 normalizes over 3*4 values, opset 13 over 3
        GraphBuilder b = new GraphBuilder("softmax", 11);
        String x = b.input("x", DataType.FLOAT, 2, 3, 4);
        Node sm = b.node("Softmax", x).set("axis", 1L);
        String w = b.initializer(Tensor.ofFloats("w", new long[] {4, 2}, TinyEncoders.weights(1, 8, 1f)));
        b.output(b.op("MatMul", sm.output(0), w), "y", DataType.FLOAT, 2, 3, 2);
        OnnxModel model = b.build();
        assertThatThrownBy(() -> new Fp8Quantizer().quantize(model, QuantizeOptions.defaults(QuantizationMode.FP8),
                ProgressListener.NONE))
                .isInstanceOf(NncjException.class)
                .hasMessageContaining("Softmax node")
                .hasMessageContaining("changes at opset 13")
                .hasMessageNotContaining("\n");
        assertThat(model.opset()).isEqualTo(11);
        assertThat(ops(model)).doesNotContainKey("DequantizeLinear");
    }

    @Test
    void excludedMatMulsStayFloatAndAModelWithNothingToQuantizeKeepsItsOpset() {
        OnnxModel model = TinyEncoders.linear(8, 4, 11);
        QuantizeOptions exclude = BlockWeightQuantizerTest.options(QuantizationMode.FP8,
                new NodeFilter(List.of(), List.of("MatMul")));
        QuantizationResult result = new Fp8Quantizer().quantize(model, exclude, ProgressListener.NONE);
        assertThat(result.quantizedNodes()).isEmpty();
        assertThat(result.keptFloat()).hasSize(1);
        assertThat(result.model().opset()).isEqualTo(11);
        assertThat(ops(result.model())).doesNotContainKey("DequantizeLinear");
    }
}
