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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** int8/int4 weight-only: MatMulNBits and GatherBlockQuantized as ONNX Runtime runs them. */
class BlockWeightQuantizerTest {
    static final int K = 80; // not a multiple of 32: the last block of each column is short
    static final int N = 24;

    /**
     * The layout check: ORT's MatMulNBits output equals {@code x @ dequant(W) + b} computed here
     * from our codes and scales, and the error against float32 stays within one quantization step
     * per weight, {@code |y - y32| <= sum_k |x_k| * |scale(k, n)|} (round-to-nearest is within half a
     * step; the symmetric scheme may clip the opposite extreme by one step).
     */
    @ParameterizedTest
    @CsvSource({"4, 32, true", "4, 16, false", "8, 32, true", "8, 64, false"})
    void matMulNBitsMatchesOurArithmeticAndStaysWithinOneStep(int bits, int block, boolean symmetric) throws Exception {
        OnnxModel model = TinyEncoders.linear(K, N, 17);
        float[] w = model.graph().initializer("w").orElseThrow().toFloats();
        float[] bias = model.graph().initializer("b").orElseThrow().toFloats();
        float[] x = TinyEncoders.weights(7, 2 * K, 1f);
        float[] expected32 = OrtRun.floats(model, "x", x, 2, K);

        QuantizationLog log = new QuantizationLog();
        new MatMulNBitsRewrite(bits, block, symmetric, false).apply(model.graph(), NodeFilter.all(), log);
        model.requireOpset("com.microsoft", 1);
        assertThat(ops(model)).containsEntry("MatMulNBits", 1L).doesNotContainKey("MatMul");
        Node q = model.graph().nodes().stream().filter(n -> n.opType().equals("MatMulNBits")).findFirst().orElseThrow();
        assertThat(q.domain()).isEqualTo("com.microsoft");
        assertThat(q.inputs()).hasSize(symmetric ? 3 : 4);
        assertThat(model.graph().initializer(q.input(1)).orElseThrow().shape())
                .containsExactly(N, (K + block - 1) / block, block * bits / 8);

        float[] got = OrtRun.floats(model, "x", x, 2, K);
        BlockQuantizedMatrix ref = BlockQuantizedMatrix.quantize(transpose(w, K, N), N, K, bits, block, symmetric, false);
        float[] deq = ref.dequantize(); // [N, K]
        for (int r = 0; r < 2; r++) {
            for (int n = 0; n < N; n++) {
                double exact = bias[n];
                double bound = 1e-5;
                for (int k = 0; k < K; k++) {
                    exact += x[r * K + k] * deq[n * K + k];
                    bound += Math.abs(x[r * K + k]) * Math.abs(ref.scales()[n * ref.blocksPerRow() + k / block]);
                }
                assertThat((double) got[r * N + n]).isCloseTo(exact, org.assertj.core.data.Offset.offset(1e-4));
                assertThat((double) Math.abs(got[r * N + n] - expected32[r * N + n])).isLessThanOrEqualTo(bound);
            }
        }
    }

    /**
     * The lookup check: the rows ORT returns are exactly our dequantized ones, read with standard ops
     * for rows of whole blocks (odd block counts included) and with GatherBlockQuantized otherwise.
     */
    @ParameterizedTest
    @CsvSource({"4, true, 64", "4, false, 64", "8, true, 48", "8, false, 48", "4, false, 48", "4, false, 40",
            "8, false, 40", "4, true, 40"})
    void lookupsReturnOurDequantizedRows(int bits, boolean symmetric, int hidden) throws Exception {
        // ids[1,3] ── Gather(table[40,hidden]) ── rows[1,3,hidden]
        GraphBuilder b = new GraphBuilder("lookup", 17);
        String ids = b.input("input_ids", DataType.INT64, 1, 3);
        float[] table = TinyEncoders.weights(5, 40 * hidden, 2f);
        String t = b.initializer(Tensor.ofFloats("table", new long[] {40, hidden}, table));
        b.output(b.op("Gather", t, ids), "rows", DataType.FLOAT, 1, 3, hidden);
        OnnxModel model = b.build();
        QuantizationLog log = new QuantizationLog();
        new EmbeddingBlockRewrite(bits, 16, symmetric, false).apply(model.graph(), NodeFilter.all(), log);
        model.requireOpset("com.microsoft", 1);
        boolean standardOps = hidden % 16 == 0;
        // GatherBlockQuantized: 4-bit zero points with an odd block count per row (40 / 16 -> 3) fall back to symmetric
        boolean fallback = !standardOps && bits == 4 && !symmetric;
        if (standardOps) { // StandardOpsLookup: the stored bytes are gathered, then decoded
            long nibbleReads = bits == 8 ? 0 : symmetric ? 1 : 2; // the codes, and the zero points when stored
            assertThat(ops(model)).doesNotContainKey("GatherBlockQuantized").containsEntry("Gather", symmetric ? 2L : 3L);
            assertThat(ops(model).getOrDefault("Div", 0L)).isEqualTo(nibbleReads);
            assertThat(dev.nncj.onnx.TokenEmbedding.hiddenSize(model.graph())).contains(hidden);
            assertThat(dev.nncj.onnx.TokenEmbedding.vocabularySize(model.graph())).contains(40);
        } else {
            assertThat(ops(model)).containsEntry("GatherBlockQuantized", 1L).doesNotContainKey("Gather");
        }
        assertThat(log.result(model).notes()).hasSize(fallback ? 1 : 0);

        float[] got = OrtRun.ids(model, "input_ids", new long[] {7, 0, 39}, 1, 3);
        float[] deq = BlockQuantizedMatrix.quantize(table, 40, hidden, bits, 16, symmetric || fallback, false)
                .dequantize();
        long[] rows = {7, 0, 39};
        for (int i = 0; i < 3; i++) {
            for (int c = 0; c < hidden; c++) {
                assertThat(got[i * hidden + c]).isEqualTo(deq[(int) rows[i] * hidden + c]);
            }
        }
    }

    /** Two BERT-shaped encoders of different width and depth: same rewrite, no names assumed. */
    @ParameterizedTest
    @CsvSource({"60, 32, 64, 2, 4, 0.15", "50, 64, 128, 3, 4, 0.15", "60, 32, 64, 2, 8, 0.01"})
    void bertShapedEncodersOfAnyWidthAndDepth(int vocab, int hidden, int ffn, int layers, int bits, double tolerance)
            throws Exception {
        OnnxModel model = TinyEncoders.bertLike(vocab, hidden, ffn, layers);
        float[] before = TinyEncoders.runBertLike(model, vocab);
        QuantizationMode mode = bits == 4 ? QuantizationMode.INT4_WEIGHT : QuantizationMode.INT8_WEIGHT;
        QuantizationResult result = Quantizers.forMode(mode)
                .quantize(model, QuantizeOptions.defaults(mode), ProgressListener.NONE);
        Map<String, Long> ops = ops(result.model());
        assertThat(ops).containsEntry("MatMulNBits", 6L * layers)
                .containsEntry("MatMul", 2L * layers); // q @ k^T and p @ v: two activations, no weight
        // the table: rows of whole blocks, read with standard ops (StandardOpsLookup)
        assertThat(ops).doesNotContainKey("GatherBlockQuantized");
        assertThat(result.quantizedNodes()).hasSize(6 * layers + 1);
        assertThat(result.keptFloat()).hasSize(2 * layers)
                .allSatisfy((node, why) -> assertThat(why).contains("computed at run time"));
        assertThat(result.model().opsetVersion("com.microsoft")).hasValue(1);
        // the packed table still reads as the model's vocabulary and hidden size
        assertThat(dev.nncj.onnx.TokenEmbedding.vocabularySize(result.model().graph())).contains(vocab);
        assertThat(dev.nncj.onnx.TokenEmbedding.hiddenSize(result.model().graph())).contains(hidden);
        assertThat(result.model().graph().initializers().values()).noneMatch(t -> t.numElements() >= hidden * hidden
                && t.type() == DataType.FLOAT); // no float weight left behind

        float[] after = TinyEncoders.runBertLike(result.model(), vocab);
        // tolerance: relative L2 error of the whole output, a few int4 steps' worth after 2-3 layers
        assertThat(relativeError(before, after)).isLessThan(tolerance);
    }

    @Test
    void excludedAndIncludedNodesAreRespected() {
        OnnxModel model = TinyEncoders.bertLike(60, 32, 64, 1);
        String firstWeighted = model.graph().nodes().stream().filter(n -> n.is("MatMul")
                && model.graph().isInitializer(n.input(1))).findFirst().orElseThrow().name();
        QuantizeOptions exclude = options(QuantizationMode.INT4_WEIGHT, new NodeFilter(List.of(), List.of(firstWeighted)));
        QuantizationResult result = new BlockWeightQuantizer(4).quantize(model, exclude, ProgressListener.NONE);
        assertThat(result.keptFloat()).containsEntry(firstWeighted, "MatMul: excluded by include/exclude");
        assertThat(result.model().graph().node(firstWeighted).orElseThrow().opType()).isEqualTo("MatMul");
        assertThat(ops(result.model())).containsEntry("MatMulNBits", 5L);

        OnnxModel other = TinyEncoders.bertLike(60, 32, 64, 1);
        QuantizeOptions onlyGather = options(QuantizationMode.INT4_WEIGHT, new NodeFilter(List.of("Gather"), List.of()));
        QuantizationResult gatherOnly = new BlockWeightQuantizer(4).quantize(other, onlyGather, ProgressListener.NONE);
        assertThat(gatherOnly.quantizedNodes()).hasSize(1);
        assertThat(ops(gatherOnly.model())).doesNotContainKey("MatMulNBits");
    }

    @Test
    void aModelWithoutWeightsIsLeftAsItWas() {
        // x[2,8] ── MatMul(x, Transpose(x)) ── y[2,2]: no constant weight anywhere
        GraphBuilder b = new GraphBuilder("gram", 17);
        String x = b.input("x", DataType.FLOAT, 2, 8);
        b.output(b.op("MatMul", x, b.op("Transpose", x)), "y", DataType.FLOAT, 2, 2);
        OnnxModel model = b.build();
        QuantizationResult result = new BlockWeightQuantizer(4).quantize(model,
                QuantizeOptions.defaults(QuantizationMode.INT4_WEIGHT), ProgressListener.NONE);
        assertThat(result.quantizedNodes()).isEmpty();
        assertThat(result.notes()).anyMatch(n -> n.contains("nothing quantized"));
        assertThat(result.model().opsets()).doesNotContainKey("com.microsoft");
        assertThat(ops(result.model())).containsEntry("MatMul", 1L).containsEntry("Transpose", 1L).hasSize(2);
    }

    @Test
    void aBlockSizeTheOpsCannotTakeIsOneLine() {
        OnnxModel model = TinyEncoders.linear(64, 8, 17);
        QuantizeOptions opts = QuantizeOptions.defaults(QuantizationMode.INT4_WEIGHT);
        for (int bad : new int[] {33, 8, 512}) {
            QuantizeOptions o = new QuantizeOptions(opts.mode(), opts.nodes(), true, true, bad, opts.fp8Format(),
                    opts.calibration(), false, true);
            assertThatThrownBy(() -> new BlockWeightQuantizer(4).quantize(model, o, ProgressListener.NONE))
                    .isInstanceOf(NncjException.class)
                    .hasMessage("blockSize " + bad + ": must be a power of 2 from 16 to 256");
        }
        assertThat(ops(model)).containsEntry("MatMul", 1L); // nothing touched
    }

    static QuantizeOptions options(QuantizationMode mode, NodeFilter filter) {
        QuantizeOptions d = QuantizeOptions.defaults(mode);
        return new QuantizeOptions(mode, filter, d.perChannel(), d.symmetric(), d.blockSize(), d.fp8Format(),
                d.calibration(), false, true);
    }

    static Map<String, Long> ops(OnnxModel model) {
        return model.graph().nodes().stream().collect(java.util.stream.Collectors.groupingBy(Node::opType,
                java.util.stream.Collectors.counting()));
    }

    static double relativeError(float[] reference, float[] got) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < reference.length; i++) {
            num += (reference[i] - got[i]) * (double) (reference[i] - got[i]);
            den += reference[i] * (double) reference[i];
        }
        return Math.sqrt(num / den);
    }

    static float[] transpose(float[] w, int rows, int cols) {
        float[] t = new float[w.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t[j * rows + i] = w[i * cols + j];
            }
        }
        return t;
    }
}
