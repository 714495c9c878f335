package dev.nncj.quantize;

import static dev.nncj.quantize.BlockWeightQuantizerTest.ops;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.calibration.MeanSquares;
import dev.nncj.data.EncodedBatch;
import dev.nncj.data.TextTokenizer;
import dev.nncj.data.TinyTokenizer;
import dev.nncj.data.TokenizerOptions;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.GraphBuilder;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.onnx.TinyModels;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --error-compensation: activation statistics through ORT and activation-aware (AWQ) scaling. */
class ActivationAwareTest {
    static final List<String> SENTENCES = List.of("the cat sat on the mat.", "a dog", "dogs sat", "the mat");

    @TempDir
    Path dir;

    @Test
    void scalesFollowTheActivationRootMeanSquareNormalizedAroundOne() {
        // E[x^2] = 4, 1 -> a = 2, 1; alpha 1: s = a / sqrt(2 * 1) = sqrt(2), 1/sqrt(2);
        // column weights E[x^2] / s^2 = 4/2, 1/0.5 = 2, 2; W^T [1,2] = [1, 1] -> [sqrt(2), 1/sqrt(2)]
        ActivationAwareScaling s = ActivationAwareScaling.of(new float[] {1, 1}, 1, 2, new double[] {4, 1}, 1.0);
        assertThat(s.scales()[0]).isCloseTo((float) Math.sqrt(2), within(1e-6f));
        assertThat(s.scales()[1]).isCloseTo((float) (1 / Math.sqrt(2)), within(1e-6f));
        assertThat(s.columnWeights()[0]).isCloseTo(2, within(1e-5));
        assertThat(s.columnWeights()[1]).isCloseTo(2, within(1e-5));
        assertThat(s.weights()[0]).isCloseTo((float) Math.sqrt(2), within(1e-6f));
        // alpha 0 is plain rounding: every scale 1
        assertThat(ActivationAwareScaling.of(new float[] {1, 1}, 1, 2, new double[] {4, 1}, 0).scales())
                .containsExactly(1f, 1f);
    }

    @Test
    void aChannelMeetingLargeActivationsGetsAScaleAboveOne() {
        int k = 64;
        int n = 8;
        float[] w = TinyEncoders.weights(4, n * k, 1f);
        double[] ms = new double[k];
        java.util.Arrays.fill(ms, 1);
        ms[3] = 10_000; // one outlier channel, as in transformer FFN inputs
        ActivationAwareScaling best = ActivationAwareScaling.search(w, n, k, ms, 4, 32, true);
        assertThat(best.alpha()).isPositive();
        assertThat(best.scales()[3]).isGreaterThan(best.scales()[0]);
    }

    /**
     * The case AWQ is for (Lin et al. 2024, sec. 3.1): a few salient input channels meet activations
     * far larger than the rest, and their weights are small, so plain int4, whose step each block's
     * largest weight sets, rounds them to 0 or one step, and their large activations carry the error
     * to the output.
     * <pre>
     * input_ids ── Gather(emb[14,128]) ── x ── MatMul(w[128,32]) ── y
     * </pre>
     * emb is N(0, 1) with two channels of every block of 32 (3, 17, 35, 49, ...) multiplied by 25; w
     * is N(0, 1/128) with those channels' rows multiplied by 0.1. The table stays float.
     */
    static OnnxModel salientChannels() {
        int k = 128;
        float[] emb = TinyModels.gaussian(TinyTokenizer.VOCABULARY_SIZE * k, 8);
        float[] w = TinyModels.gaussian(k * 32, 9);
        for (int i = 0; i < w.length; i++) {
            w[i] /= (float) Math.sqrt(k);
        }
        for (int block = 0; block < k; block += 32) {
            for (int c : new int[] {block + 3, block + 17}) {
                for (int row = 0; row < TinyTokenizer.VOCABULARY_SIZE; row++) {
                    emb[row * k + c] *= 25;
                }
                for (int out = 0; out < 32; out++) {
                    w[c * 32 + out] *= 0.1f;
                }
            }
        }
        GraphBuilder b = new GraphBuilder("salient_channels", 17);
        String ids = b.input("input_ids", DataType.INT64, "batch", "seq");
        b.input("attention_mask", DataType.INT64, "batch", "seq");
        String x = b.op("Gather", b.initializer(Tensor.ofFloats("emb", new long[] {TinyTokenizer.VOCABULARY_SIZE, k}, emb)),
                ids);
        b.output(b.op("MatMul", x, b.initializer(Tensor.ofFloats("w", new long[] {k, 32}, w))), "y", DataType.FLOAT,
                "batch", "seq", 32);
        return b.build();
    }

    @Test
    void awqBeatsPlainInt4OnSalientChannelsWithSmallWeights() throws Exception {
        TinyTokenizer.write(dir);
        Calibration calibration = new Calibration(SENTENCES, dir.resolve("tokenizer.json"), Calibration.Method.MIN_MAX, 0, 2);
        QuantizeOptions d = QuantizeOptions.defaults(QuantizationMode.INT4_WEIGHT);
        QuantizeOptions plain = new QuantizeOptions(d.mode(), d.nodes(), true, true, 32, d.fp8Format(),
                Optional.of(calibration), false, false);
        QuantizeOptions awq = new QuantizeOptions(d.mode(), d.nodes(), true, true, 32, d.fp8Format(),
                Optional.of(calibration), true, false);
        float[] reference = runOnSentences(salientChannels());
        float[] viaPlain = runOnSentences(new BlockWeightQuantizer(4).quantize(salientChannels(), plain, ProgressListener.NONE).model());
        OnnxModel scaled = new BlockWeightQuantizer(4).quantize(salientChannels(), awq, ProgressListener.NONE).model();
        float[] viaAwq = runOnSentences(scaled);
        // Plain int4 leaves the salient weights (|w| ~ 0.1σ) a step of ~2.5σ/7: y's relative error is
        // measured 0.378. AWQ scales their channels up (alpha ~0.8 in its search) and the error falls to
        // 0.078, a factor 4.9. With every scale 1, what is left of --error-compensation (block ranges
        // chosen by activation-weighted error) reaches only ~0.31, so the factor 3 asked here needs
        // the scales themselves.
        double plainError = BlockWeightQuantizerTest.relativeError(reference, viaPlain);
        double awqError = BlockWeightQuantizerTest.relativeError(reference, viaAwq);
        assertThat(plainError).as("plain int4").isBetween(0.2, 0.6);
        assertThat(awqError).as("AWQ").isLessThan(plainError / 3);
        assertThat(ops(scaled)).containsEntry("MatMulNBits", 1L).containsEntry("Mul", 1L); // x / s feeds it
    }

    /** The model's output on the calibration sentences, tokenized as one padded batch. */
    private float[] runOnSentences(OnnxModel model) throws Exception {
        try (TextTokenizer tokenizer = TextTokenizer.load(dir.resolve("tokenizer.json"), TokenizerOptions.defaults())) {
            EncodedBatch batch = tokenizer.encode(SENTENCES);
            long[] ids = java.util.Arrays.stream(batch.inputIds()).flatMapToLong(java.util.Arrays::stream).toArray();
            long[] shape = {batch.batchSize(), ids.length / batch.batchSize()};
            var env = dev.nncj.runtime.OrtSessions.environment();
            try (var i = ai.onnxruntime.OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(ids), shape);
                 var m = ai.onnxruntime.OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(new long[ids.length]), shape)) {
                return OrtRun.run(model, Map.of("input_ids", i, "attention_mask", m));
            }
        }
    }

    @Test
    void meanSquaresAreMeasuredOverRealTokensOnly() throws Exception {
        TinyTokenizer.write(dir);
        OnnxModel model = TinyModels.tokenEmbedder(TinyTokenizer.VOCABULARY_SIZE, 0.3f);
        float[] table = model.graph().initializers().values().iterator().next().toFloats();
        String gathered = model.graph().nodes().get(0).output(0);
        Calibration calibration = new Calibration(SENTENCES, dir.resolve("tokenizer.json"), Calibration.Method.MIN_MAX, 0, 3);
        Map<String, double[]> stats = MeanSquares.measure(model, List.of(gathered), calibration.data(),
                ProgressListener.NONE);
        double[] expected = new double[4];
        int tokens = 0;
        try (TextTokenizer tokenizer = TextTokenizer.load(dir.resolve("tokenizer.json"), TokenizerOptions.defaults())) {
            EncodedBatch all = tokenizer.encode(SENTENCES);
            for (int r = 0; r < all.batchSize(); r++) {
                for (int t = 0; t < all.length(r); t++) {
                    int id = (int) all.inputIds()[r][t];
                    for (int c = 0; c < 4; c++) {
                        expected[c] += table[id * 4 + c] * (double) table[id * 4 + c];
                    }
                    tokens++;
                }
            }
        }
        for (int c = 0; c < 4; c++) {
            assertThat(stats.get(gathered)[c]).isCloseTo(expected[c] / tokens, within(1e-5));
        }
        assertThat(model.graph().outputs()).hasSize(1); // the extra outputs were only in the copy ORT ran
    }

    @Test
    void errorCompensationRunsOnAnEncoderAndNeedsCalibrationData() throws Exception {
        TinyTokenizer.write(dir);
        int vocab = TinyTokenizer.VOCABULARY_SIZE;
        OnnxModel model = TinyEncoders.bertLike(vocab, 32, 64, 2);
        float[] before = TinyEncoders.runBertLike(model, vocab);
        QuantizeOptions d = QuantizeOptions.defaults(QuantizationMode.INT4_WEIGHT);
        QuantizeOptions noData = new QuantizeOptions(d.mode(), d.nodes(), true, true, 32, d.fp8Format(),
                Optional.empty(), true, true);
        assertThatThrownBy(() -> new BlockWeightQuantizer(4).quantize(model, noData, ProgressListener.NONE))
                .isInstanceOf(NncjException.class).hasMessageContaining("needs calibration");

        Calibration calibration = new Calibration(SENTENCES, dir.resolve("tokenizer.json"), Calibration.Method.MIN_MAX, 0, 2);
        QuantizeOptions awq = new QuantizeOptions(d.mode(), d.nodes(), true, true, 32, d.fp8Format(),
                Optional.of(calibration), true, true);
        QuantizationResult result = new BlockWeightQuantizer(4).quantize(model, awq, ProgressListener.NONE);
        assertThat(ops(result.model())).containsEntry("MatMulNBits", 12L);
        assertThat(result.notes()).anyMatch(n -> n.contains("activation-aware"));
        float[] after = TinyEncoders.runBertLike(result.model(), vocab);
        assertThat(BlockWeightQuantizerTest.relativeError(before, after)).isLessThan(0.15);
    }
}
