package dev.nncj.quantize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.GraphBuilder;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.NodeFilter;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.onnx.TinyModels;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DynamicInt8QuantizerTest {
    static final int K = 8;
    static final int N = 6;

    @TempDir
    Path dir;

    /**
     * Two projections of one activation plus an attention-like product of two activations:
     * <pre>
     * x[2,K] ─┬─ MatMul(wa[K,N]) ── Add(ba[N]) ── a ──┐
     *         └─ MatMul(wb[K,N]) ── b ─── Transpose ──┴── MatMul(a, bᵀ) ── y[2,2]
     *  a is also an output (ya[2,N])
     * </pre>
     */
    static OnnxModel twoProjections() {
        GraphBuilder b = new GraphBuilder("two_projections", 13);
        String x = b.input("x", DataType.FLOAT, 2, K);
        String wa = b.initializer(Tensor.ofFloats("wa", new long[] {K, N}, weights(1)));
        String wb = b.initializer(Tensor.ofFloats("wb", new long[] {K, N}, weights(2)));
        String ba = b.initializer(Tensor.ofFloats("ba", new long[] {N}, 0.5f, -0.25f, 0f, 1f, 2f, -3f));
        String a = b.op("Add", b.op("MatMul", x, wa), ba);
        String bt = b.op("Transpose", b.op("MatMul", x, wb));
        String y = b.op("MatMul", a, bt);
        b.output(y, "y", DataType.FLOAT, 2, 2);
        b.output(a, "ya", DataType.FLOAT, 2, N);
        return b.build();
    }

    static float[] weights(int seed) {
        float[] w = new float[K * N];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) Math.sin(i * 0.9 + seed) * (1 + i % N); // columns of different ranges
        }
        return w;
    }

    static float[][] input() {
        float[][] x = new float[2][K];
        for (int r = 0; r < 2; r++) {
            for (int k = 0; k < K; k++) {
                x[r][k] = (float) Math.cos(r * 3 + k * 0.7) * 2;
            }
        }
        return x;
    }

    static long count(OnnxModel m, String op) {
        return m.graph().nodes().stream().filter(n -> n.opType().equals(op)).count();
    }

    @Test
    void projectionsShareOneDynamicQuantizeLinearAndTheBiasIsFolded() {
        QuantizationResult r = new DynamicInt8Quantizer().quantize(twoProjections(),
                QuantizeOptions.defaults(QuantizationMode.DYNAMIC_INT8), ProgressListener.NONE);
        OnnxModel q = r.model();
        assertThat(count(q, "DynamicQuantizeLinear")).isEqualTo(1);
        assertThat(count(q, "MatMulIntegerToFloat")).isEqualTo(2);
        assertThat(count(q, "Add")).isZero(); // folded into MatMulIntegerToFloat's bias input
        assertThat(count(q, "MatMul")).isEqualTo(1); // a · bᵀ has no constant weight
        assertThat(r.quantizedNodes()).hasSize(2);
        assertThat(r.keptFloat()).hasSize(1).allSatisfy((node, why) -> assertThat(why).contains("no constant weight"));
        Node mm = q.graph().nodes().stream().filter(n -> n.opType().equals("MatMulIntegerToFloat")).findFirst().orElseThrow();
        assertThat(mm.domain()).isEqualTo("com.microsoft");
        // symmetric weights as int8: ONNX Runtime's u8·s8 kernel (u8·u8 took 1.23x its time on an AVX2 EPYC)
        assertThat(q.graph().initializer(mm.input(1)).orElseThrow().type()).isEqualTo(DataType.INT8);
        assertThat(q.graph().initializer(mm.input(5)).orElseThrow().toLongs()).containsOnly(0L);
        assertThat(q.graph().initializer(mm.input(3)).orElseThrow().shape()).containsExactly(N); // per channel
        assertThat(q.graph().initializers()).doesNotContainKeys("wa", "wb"); // float weights gone
        assertThat(q.opsetVersion("com.microsoft")).hasValue(1);
    }

    @Test
    void onnxRuntimeRunsTheResultWithinTheQuantizationErrorBound() throws Exception {
        float[][] x = input();
        Map<String, Object> feeds = Map.of("x", x);
        float[] expected = OrtRun.run(twoProjections(), dir.resolve("fp32.onnx"), feeds);
        for (boolean symmetric : new boolean[] {true, false}) {
            for (boolean perChannel : new boolean[] {true, false}) {
                QuantizeOptions o = new QuantizeOptions(QuantizationMode.DYNAMIC_INT8, NodeFilter.all(), perChannel,
                        symmetric, 32, QuantizeOptions.Fp8Format.E4M3FN, java.util.Optional.empty(), false, true);
                OnnxModel q = new DynamicInt8Quantizer().quantize(twoProjections(), o, ProgressListener.NONE).model();
                // ORT runs the whole quantized model (attention-like product included)
                float[] got = OrtRun.run(q, dir.resolve("q" + symmetric + perChannel + ".onnx"), feeds);
                assertThat(got).hasSize(expected.length);
                // ya = x·wa + ba is checked against the bound derived from both quantization steps
                float[] bound = bound(x, weights(1), perChannel, symmetric);
                float[] gotYa = yaOf(q, feeds, "gotya" + symmetric + perChannel);
                float[] refYa = yaOf(twoProjections(), feeds, "refya" + symmetric + perChannel);
                int checked = 0;
                for (int i = 0; i < refYa.length; i++) {
                    if (symmetric && canSaturate(x, weights(1), perChannel, i / N, i % N)) {
                        continue;
                    }
                    checked++;
                    assertThat(Math.abs(gotYa[i] - refYa[i])).as("ya[%d] sym=%s pc=%s", i, symmetric, perChannel)
                            .isLessThanOrEqualTo(bound[i]);
                }
                assertThat(checked).as("outputs checked, sym=%s pc=%s", symmetric, perChannel).isPositive();
            }
        }
    }

    /** Runs the model and returns output "ya" (the second output). */
    private float[] yaOf(OnnxModel model, Map<String, Object> feeds, String name) throws Exception {
        model.graph().setOutputs(model.graph().outputs().stream().filter(o -> o.getName().equals("ya")).toList());
        model.graph().removeDeadNodes();
        return OrtRun.run(model, dir.resolve(name + ".onnx"), feeds);
    }

    /**
     * |x·W - x̂·Ŵ| ≤ Σ_k |x_k|·|e_W| + |W_k|·|e_x| + |e_x|·|e_W| with |e_x| ≤ s_x/2 (DynamicQuantizeLinear's
     * step over the row-spanning range of x, including 0) and |e_W| ≤ s_W/2 for the column's (or the
     * tensor's) step; plus a little float slack.
     */
    /**
     * Whether output [r, c] can be clipped by ONNX Runtime's uint8·int8 kernel on x86 without VNNI: it sums
     * each adjacent pair of products along K into int16 (VPMADDUBSW), saturating, so the exact-arithmetic
     * bound does not hold where a pair of x's uint8 codes times column c's int8 codes leaves the int16
     * range (this adversarial input has many such pairs; real encoders few: bench/results/2026-12-03-int8-avx2.md).
     */
    static boolean canSaturate(float[][] x, float[] w, boolean perChannel, int r, int c) {
        UInt8Params codes = inputCodes(x);
        long[] q = QuantizedMatrix.of(Tensor.ofFloats("w", new long[] {K, N}, w), perChannel, true).values();
        for (int k = 0; k + 1 < K; k += 2) {
            long pair = codes.quantize(x[r][k]) * (q[k * N + c] - UInt8Params.SYMMETRIC_ZERO_POINT)
                    + codes.quantize(x[r][k + 1]) * (q[(k + 1) * N + c] - UInt8Params.SYMMETRIC_ZERO_POINT);
            if (pair > Short.MAX_VALUE || pair < Short.MIN_VALUE) {
                return true;
            }
        }
        return false;
    }

    static float[] bound(float[][] x, float[] w, boolean perChannel, boolean symmetric) {
        float ex = inputHalfStep(x);
        float[] ew = new float[N];
        for (int c = 0; c < N; c++) {
            float clo = Float.POSITIVE_INFINITY;
            float chi = Float.NEGATIVE_INFINITY;
            for (int k = 0; k < K; k++) {
                for (int cc = perChannel ? c : 0; cc < (perChannel ? c + 1 : N); cc++) {
                    clo = Math.min(clo, w[k * N + cc]);
                    chi = Math.max(chi, w[k * N + cc]);
                }
            }
            ew[c] = UInt8Params.forRange(clo, chi, symmetric).scale() / 2f;
        }
        float[] bound = new float[2 * N];
        for (int r = 0; r < 2; r++) {
            for (int c = 0; c < N; c++) {
                float s = 0;
                for (int k = 0; k < K; k++) {
                    s += Math.abs(x[r][k]) * ew[c] + Math.abs(w[k * N + c]) * ex + ex * ew[c];
                }
                bound[r * N + c] = s + 1e-4f;
            }
        }
        return bound;
    }

    /** Half of DynamicQuantizeLinear's step for {@code x}. */
    static float inputHalfStep(float[][] x) {
        return inputCodes(x).scale() / 2f;
    }

    /** DynamicQuantizeLinear's uint8 codes for {@code x}: its range widened to include 0, over 255 steps. */
    static UInt8Params inputCodes(float[][] x) {
        float lo = 0;
        float hi = 0;
        for (float[] row : x) {
            for (float v : row) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        return UInt8Params.forRange(lo, hi, false);
    }

    @Test
    void embeddingRowsAreInt8WithOneScalePerRowAndOrtRunsThem() throws Exception {
        int vocab = 40;
        OnnxModel original = TinyModels.tokenEmbedder(vocab, 0.3f);
        float[] table = original.graph().initializer("embeddings.word_embeddings.weight").orElseThrow().toFloats();
        QuantizationResult r = new DynamicInt8Quantizer().quantize(TinyModels.tokenEmbedder(vocab, 0.3f),
                QuantizeOptions.defaults(QuantizationMode.DYNAMIC_INT8), ProgressListener.NONE);
        OnnxModel q = r.model();
        assertThat(q.graph().initializers().values()).extracting(Tensor::type).contains(DataType.INT8);
        assertThat(q.graph().initializers().values().stream().filter(t -> t.type() == DataType.FLOAT)
                .mapToLong(Tensor::numElements).sum()).isEqualTo(vocab); // only the row scales stay float
        long[][] ids = {{0, 5, 39, 17}};
        long[][] zeros = new long[1][4];
        Map<String, Object> feeds = Map.of("input_ids", ids, "attention_mask", zeros, "token_type_ids", zeros);
        float[] got = OrtRun.run(q, dir.resolve("emb.onnx"), feeds);
        for (int t = 0; t < 4; t++) {
            int row = (int) ids[0][t];
            float maxAbs = 0;
            for (int c = 0; c < 4; c++) {
                maxAbs = Math.max(maxAbs, Math.abs(table[row * 4 + c]));
            }
            for (int c = 0; c < 4; c++) {
                // symmetric int8: error at most half a step of that row's own scale
                assertThat(Math.abs(got[t * 4 + c] - table[row * 4 + c])).isLessThanOrEqualTo(maxAbs / 127f / 2f + 1e-6f);
            }
        }
        assertThat(dev.nncj.onnx.TokenEmbedding.vocabularySize(q.graph())).hasValue(vocab);

        // asymmetric: uint8 rows with a per-row offset, error at most half of (max - min) / 255
        QuantizeOptions asym = new QuantizeOptions(QuantizationMode.DYNAMIC_INT8, NodeFilter.all(), true, false, 32,
                QuantizeOptions.Fp8Format.E4M3FN, java.util.Optional.empty(), false, true);
        OnnxModel qa = new DynamicInt8Quantizer().quantize(TinyModels.tokenEmbedder(vocab, 0.3f), asym,
                ProgressListener.NONE).model();
        assertThat(qa.graph().initializers().values()).extracting(Tensor::type).contains(DataType.UINT8);
        float[] gotAsym = OrtRun.run(qa, dir.resolve("emb-asym.onnx"), feeds);
        for (int t = 0; t < 4; t++) {
            int row = (int) ids[0][t];
            float lo = 0;
            float hi = 0;
            for (int c = 0; c < 4; c++) {
                lo = Math.min(lo, table[row * 4 + c]);
                hi = Math.max(hi, table[row * 4 + c]);
            }
            for (int c = 0; c < 4; c++) {
                assertThat(Math.abs(gotAsym[t * 4 + c] - table[row * 4 + c])).isLessThanOrEqualTo((hi - lo) / 255f / 2f + 1e-6f);
            }
        }
    }

    /** Position rows as NNCJ's emitter reads them, Slice(table, [0], [S], [0]): int8 rows too, within half a row's step. */
    @Test
    void rowsReadBySliceAreInt8Too() throws Exception {
        int rows = 20;
        int h = 4;
        float[] table = new float[rows * h];
        for (int i = 0; i < table.length; i++) {
            table[i] = (float) Math.sin(i * 0.61) * (1 + i / h);
        }
        GraphBuilder b = new GraphBuilder("positions", 13);
        String x = b.input("x", DataType.FLOAT, 3, h);
        String t = b.initializer(Tensor.ofFloats("positions", new long[] {rows, h}, table));
        String sliced = b.op("Slice", t, b.initializer(Tensor.ofLongs("starts", new long[] {1}, 0)),
                b.initializer(Tensor.ofLongs("ends", new long[] {1}, 3)), b.initializer(Tensor.ofLongs("axes", new long[] {1}, 0)));
        b.output(b.op("Add", x, sliced), "y", DataType.FLOAT, 3, h);
        QuantizationResult r = new DynamicInt8Quantizer().quantize(b.build(),
                QuantizeOptions.defaults(QuantizationMode.DYNAMIC_INT8), ProgressListener.NONE);
        assertThat(r.quantizedNodes()).hasSize(1);
        assertThat(r.model().graph().initializers()).doesNotContainKey("positions");
        float[] got = OrtRun.run(r.model(), dir.resolve("slice.onnx"), Map.of("x", new float[3][h]));
        for (int row = 0; row < 3; row++) {
            float maxAbs = 0;
            for (int c = 0; c < h; c++) {
                maxAbs = Math.max(maxAbs, Math.abs(table[row * h + c]));
            }
            for (int c = 0; c < h; c++) {
                assertThat(Math.abs(got[row * h + c] - table[row * h + c])).isLessThanOrEqualTo(maxAbs / 127f / 2f + 1e-6f);
            }
        }
    }

    @Test
    void excludedNodesAndModelsWithoutWeightsStayFloat() {
        QuantizeOptions excludeAll = new QuantizeOptions(QuantizationMode.DYNAMIC_INT8,
                new NodeFilter(List.of(), List.of("MatMul")), true, true, 32, QuantizeOptions.Fp8Format.E4M3FN,
                java.util.Optional.empty(), false, true);
        QuantizationResult r = new DynamicInt8Quantizer().quantize(twoProjections(), excludeAll, ProgressListener.NONE);
        assertThat(r.quantizedNodes()).isEmpty();
        assertThat(count(r.model(), "DynamicQuantizeLinear")).isZero();
        assertThat(count(r.model(), "MatMul")).isEqualTo(3);
        assertThat(r.keptFloat().values()).filteredOn(w -> w.contains("include/exclude")).hasSize(2);
    }

    @Test
    void anAlreadyQuantizedModelIsRefusedInOneLineNamingTheFile() {
        OnnxModel once = new DynamicInt8Quantizer().quantize(twoProjections(),
                QuantizeOptions.defaults(QuantizationMode.DYNAMIC_INT8), ProgressListener.NONE).model();
        Path file = Path.of("some/model.onnx");
        assertThatThrownBy(() -> Quantizers.quantize(once, file, QuantizeOptions.defaults(QuantizationMode.DYNAMIC_INT8),
                ProgressListener.NONE)).isInstanceOf(NncjException.class)
                .hasMessageStartingWith("some/model.onnx: is already quantized").hasMessageNotContaining("\n");
    }
}
