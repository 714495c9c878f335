package dev.nncj.quantize;

import static dev.nncj.quantize.BlockWeightQuantizerTest.ops;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nncj.ProgressListener;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.Float16;
import dev.nncj.onnx.NodeFilter;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.onnx.TokenEmbedding;
import dev.nncj.onnx.ValueInfos;
import java.util.List;
import org.junit.jupiter.api.Test;

class Fp16QuantizerTest {
    /**
     * y = x @ W + b with float16 W and b: each weight moves by at most half a float16 ulp, 2^-11 of
     * its magnitude, so |y - y32| <= 2^-11 (sum_k |x_k w_kn| + |b_n|), plus float32 rounding.
     */
    @Test
    void weightsBecomeFloat16BehindCastsAndOutputsStayWithinHalfAnUlp() throws Exception {
        OnnxModel model = TinyEncoders.linear(40, 12, 17);
        float[] w = model.graph().initializer("w").orElseThrow().toFloats();
        float[] b = model.graph().initializer("b").orElseThrow().toFloats();
        float[] x = TinyEncoders.weights(9, 3 * 40, 2f);
        float[] before = OrtRun.floats(model, "x", x, 3, 40);

        QuantizationResult result = new Fp16Quantizer().quantize(model, QuantizeOptions.defaults(QuantizationMode.FP16),
                ProgressListener.NONE);
        assertThat(ops(result.model())).containsEntry("Cast", 1L).containsEntry("MatMul", 1L).containsEntry("Add", 1L);
        // b has 12 elements (< 16): stays float32, like any small constant
        assertThat(result.model().graph().initializers().values()).extracting(Tensor::type)
                .containsExactlyInAnyOrder(DataType.FLOAT16, DataType.FLOAT);
        assertThat(result.quantizedNodes()).hasSize(1);
        assertThat(result.notes()).singleElement().asString().contains("1 float32 constant");
        assertThat(ValueInfos.elementType(result.model().graph().outputs().get(0))).isEqualTo(DataType.FLOAT);

        float[] after = OrtRun.floats(result.model(), "x", x, 3, 40);
        for (int r = 0; r < 3; r++) {
            for (int n = 0; n < 12; n++) {
                double bound = Math.abs(b[n]);
                for (int k = 0; k < 40; k++) {
                    bound += Math.abs(x[r * 40 + k] * w[k * 12 + n]);
                }
                bound = bound * Math.pow(2, -11) + 1e-5;
                assertThat((double) Math.abs(after[r * 12 + n] - before[r * 12 + n])).isLessThanOrEqualTo(bound);
            }
        }
    }

    @Test
    void roundsToNearestEvenFloat16() {
        // 1 + 2^-11 lies exactly between 1 and 1 + 2^-10: ties go to the even mantissa, 1
        OnnxModel model = TinyEncoders.linear(4, 4, 17);
        float[] w = new float[16];
        w[0] = 1f + (float) Math.pow(2, -11);
        w[1] = 1f + 3 * (float) Math.pow(2, -11); // between 1 + 2^-10 and 1 + 2^-9: to 1 + 2^-9 (even)
        w[2] = 70000f; // beyond float16: the tensor must stay float32
        model.graph().replaceInitializer(Tensor.ofFloats("w", new long[] {4, 4}, w));
        QuantizationResult kept = new Fp16Quantizer().quantize(model, QuantizeOptions.defaults(QuantizationMode.FP16),
                ProgressListener.NONE);
        assertThat(kept.keptFloat()).hasSize(1).allSatisfy((n, why) -> assertThat(why).contains("beyond float16"));

        w[2] = 0.5f;
        OnnxModel ok = TinyEncoders.linear(4, 4, 17);
        ok.graph().replaceInitializer(Tensor.ofFloats("w", new long[] {4, 4}, w));
        new Fp16Quantizer().quantize(ok, QuantizeOptions.defaults(QuantizationMode.FP16), ProgressListener.NONE);
        Tensor half = ok.graph().initializers().values().stream().filter(t -> t.type() == DataType.FLOAT16)
                .findFirst().orElseThrow();
        float[] got = half.toFloats();
        assertThat(got[0]).isEqualTo(1f);
        assertThat(got[1]).isEqualTo(1f + (float) Math.pow(2, -9));
        assertThat(Float16.halfToFloat(Float16.floatToHalf(got[2]))).isEqualTo(0.5f);
    }

    @Test
    void excludedReadersKeepTheirWeightsFloat32AndTheEncoderStillRuns() throws Exception {
        OnnxModel model = TinyEncoders.bertLike(60, 32, 64, 2);
        float[] before = TinyEncoders.runBertLike(model, 60);
        QuantizeOptions options = BlockWeightQuantizerTest.options(QuantizationMode.FP16,
                new NodeFilter(List.of(), List.of("Gather")));
        QuantizationResult result = new Fp16Quantizer().quantize(model, options, ProgressListener.NONE);
        assertThat(result.model().graph().initializer("word_embeddings").orElseThrow().type()).isEqualTo(DataType.FLOAT);
        assertThat(result.keptFloat()).hasSize(1);
        assertThat(ops(result.model())).containsEntry("Cast", 1L + 2 * 7); // mask Cast + 7 weights per layer
        float[] after = TinyEncoders.runBertLike(result.model(), 60);
        assertThat(BlockWeightQuantizerTest.relativeError(before, after)).isLessThan(1e-3);
    }

    /** The table widened by a Cast is still the vocabulary: bench bounds its synthesized token ids by it. */
    @Test
    void theFloat16TableStillGivesTheVocabulary() {
        OnnxModel model = TinyEncoders.bertLike(60, 32, 64, 2);
        QuantizationResult result = new Fp16Quantizer().quantize(model,
                BlockWeightQuantizerTest.options(QuantizationMode.FP16, NodeFilter.all()), ProgressListener.NONE);
        assertThat(result.model().graph().initializer("word_embeddings")).isEmpty(); // behind a Cast now
        assertThat(TokenEmbedding.vocabularySize(result.model().graph())).contains(60);
        assertThat(TokenEmbedding.hiddenSize(result.model().graph())).contains(32);
    }
}
