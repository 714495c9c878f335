package dev.nncj.lowrank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.calibration.CalibrationData;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.GraphBuilder;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.NodeFilter;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.onnx.TinyModels;
import dev.nncj.onnx.TokenEmbedding;
import dev.nncj.transformer.EncoderRuns;
import dev.nncj.transformer.TinyEncoders;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Factorization of TinyEncoders' 2-layer encoder (hidden 8, FFN 16: per layer four 8x8 attention
 * projections, an 8x16 and a 16x8 FFN weight) and of small Gemm / shared-weight graphs.
 */
class FactorizerTest {
    static final Path SOURCE = Path.of("tiny.onnx");

    @TempDir
    Path dir;

    static OnnxModel encoder() {
        return TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L), false);
    }

    @Test
    void fullRankFactorsReproduceTheOutputsInOnnxRuntime() throws Exception {
        OnnxModel model = encoder();
        float[] before = EncoderRuns.hidden(model, dir);
        long matMuls = count(model, "MatMul");
        FactorizeResult r = Factorizer.factorize(model, SOURCE, FactorizeOptions.of(new RankRule.Ratio(1.0))
                .keepingUnprofitable(), ProgressListener.NONE);
        assertThat(r.factorized()).hasSize(12);
        assertThat(r.skipped()).isEmpty();
        assertThat(count(model, "MatMul")).isEqualTo(matMuls + 12);
        assertThat(r.factorized()).allSatisfy(f -> assertThat(f.keptEnergy()).isEqualTo(1.0, org.assertj.core.data.Offset.offset(1e-12)));
        // float32 factors of a float32 matrix: a few ulps of rounding per product, nothing more
        assertThat(EncoderRuns.maxAbsDiff(EncoderRuns.realTokens(EncoderRuns.hidden(model, dir), 8),
                EncoderRuns.realTokens(before, 8))).isLessThan(1e-4);
    }

    @Test
    void anSvdThatDoesNotConvergeNamesTheFileAndTheTensor() {
        // the CLI refuses non-finite weights before any method; the library still names the tensor EJML gives up on
        OnnxModel model = TinyModels.linearRelu();
        float[] w = model.graph().initializer("w").orElseThrow().toFloats();
        w[4] = Float.NaN;
        model.graph().replaceInitializer(Tensor.ofFloats("w", new long[] {4, 3}, w));
        assertThatThrownBy(() -> Factorizer.factorize(model, SOURCE, FactorizeOptions.of(new RankRule.Ratio(0.5))
                .keepingUnprofitable(), ProgressListener.NONE))
                .isInstanceOf(NncjException.class)
                .hasMessage("tiny.onnx: tensor w: the SVD of its 4 x 3 matrix did not converge (NaN or infinite values?)");
    }

    @Test
    void lowRankShrinksEveryWeightByTheExpectedCountAndRunsInOnnxRuntime() throws Exception {
        OnnxModel model = encoder();
        long params = model.graph().parameterCount();
        FactorizeResult r = Factorizer.factorize(model, SOURCE, FactorizeOptions.of(new RankRule.Ratio(0.25)),
                ProgressListener.NONE);
        // rank 2 everywhere: 8x8 -> 2 x 16 (64 -> 32), 8x16 and 16x8 -> 2 x 24 (128 -> 48)
        assertThat(r.factorized()).extracting(FactorizedWeight::rank).containsOnly(2);
        long saved = 2 * (4 * (64 - 32) + 2 * (128 - 48));
        assertThat(r.parametersBefore() - r.parametersAfter()).isEqualTo(saved);
        assertThat(params - model.graph().parameterCount()).isEqualTo(saved);
        float[] out = EncoderRuns.hidden(model, dir);
        assertThat(out).hasSize(2 * 5 * 8).doesNotContain(Float.NaN);
        // what the report says the truncation loses is what it loses: ||W - W_r|| / ||W|| from the discarded energy
        assertThat(r.factorized()).allSatisfy(f -> assertThat(f.relativeError() * f.relativeError())
                .isCloseTo(1 - f.keptEnergy(), org.assertj.core.data.Offset.offset(1e-9)));
    }

    @Test
    void weightsWhoseFactorsWouldNotBeSmallerAreSkippedAndListed() {
        OnnxModel model = encoder();
        // rank 5: 8x8 would need 5 x 16 = 80 >= 64 parameters; 8x16 needs 5 x 24 = 120 < 128
        FactorizeResult r = Factorizer.factorize(model, SOURCE, FactorizeOptions.of(new RankRule.Fixed(5)), ProgressListener.NONE);
        assertThat(r.factorized()).hasSize(4).extracting(FactorizedWeight::rank).containsOnly(5);
        assertThat(r.skipped()).hasSize(8);
        assertThat(r.skipped().get(0).reason()).isEqualTo("no saving at rank 5 of 8: 5 x (8 + 8) = 80 >= 8 x 8 = 64 parameters");
        // the skipped weights are untouched
        r.skipped().forEach(s -> assertThat(model.graph().initializer(s.weight())).isPresent());
    }

    @Test
    void energyAndPerLayerRulesChooseRanksPerWeight() {
        OnnxModel model = encoder();
        Node firstUp = model.graph().nodes().stream().filter(n -> n.is("MatMul")
                && model.graph().initializer(n.input(1)).map(t -> t.dim(1) == 16).orElse(false)).findFirst().orElseThrow();
        RankPlan plan = new RankPlan(Optional.of(new RankRule.Energy(0.5)),
                List.of(RankPlan.Override.parse(firstUp.name() + "=3")));
        FactorizeResult r = Factorizer.factorize(model, SOURCE, new FactorizeOptions(plan, NodeFilter.all(),
                OptionalInt.empty(), false), ProgressListener.NONE);
        FactorizedWeight up = r.factorized().stream().filter(f -> f.nodes().contains(firstUp.name())).findFirst().orElseThrow();
        assertThat(up.rank()).isEqualTo(3);
        assertThat(r.factorized()).filteredOn(f -> f != up).allSatisfy(f -> assertThat(f.keptEnergy()).isGreaterThanOrEqualTo(0.5));
        assertThat(r.factorized().size() + r.skipped().size()).isEqualTo(12);
    }

    @Test
    void includeAndExcludeLimitTheNodesTouched() {
        OnnxModel model = encoder();
        Node first = model.graph().nodes().stream().filter(n -> n.is("MatMul")
                && model.graph().isInitializer(n.input(1))).findFirst().orElseThrow();
        FactorizeResult r = Factorizer.factorize(model, SOURCE, FactorizeOptions.of(new RankRule.Fixed(1))
                .withFilter(new NodeFilter(List.of(first.name()), List.of())), ProgressListener.NONE);
        assertThat(r.factorized()).singleElement().satisfies(f -> assertThat(f.nodes()).containsExactly(first.name()));
    }

    /**
     * <pre>
     * x[2,6] ── Gemm(w[5,6], c[5], transB=1, alpha 0.5, beta 2) ── y[2,5]
     * </pre>
     */
    @Test
    void gemmKeepsAlphaBetaAndBiasOnTheSecondProduct() throws Exception {
        GraphBuilder b = new GraphBuilder("gemm", 17);
        String x = b.input("x", DataType.FLOAT, 2, 6);
        float[] w = new float[30];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) Math.sin(i * 1.7);
        }
        Node gemm = b.node("Gemm", x, b.initializer(Tensor.ofFloats("w", new long[] {5, 6}, w)),
                b.initializer(Tensor.ofFloats("c", new long[] {5}, 1, 2, 3, 4, 5)));
        gemm.set("transB", 1L).set("alpha", 0.5f).set("beta", 2f);
        b.output(gemm.output(0), "y", DataType.FLOAT, 2, 5);
        OnnxModel model = b.build();
        float[] input = {1, 2, 3, 4, 5, 6, -1, 0.5f, 0, 2, 1, -3};
        float[] before = OrtFloats.run(model, dir.resolve("a.onnx"), "x", input, 2, 6);
        FactorizeResult r = Factorizer.factorize(model, SOURCE, FactorizeOptions.of(new RankRule.Ratio(1.0)).keepingUnprofitable(),
                ProgressListener.NONE);
        assertThat(r.factorized()).singleElement().satisfies(f -> {
            assertThat(f.rows()).isEqualTo(6);
            assertThat(f.cols()).isEqualTo(5);
        });
        assertThat(model.graph().nodes()).extracting(Node::opType).containsExactly("MatMul", "Gemm");
        float[] after = OrtFloats.run(model, dir.resolve("b.onnx"), "x", input, 2, 6);
        assertThat(EncoderRuns.maxAbsDiff(before, after)).isLessThan(1e-4);
    }

    /**
     * <pre>
     * x[2,6] ── MatMul(w) ── MatMul(w) ── y      one initializer read by two nodes
     * </pre>
     */
    @Test
    void aSharedWeightGetsOneSharedPairOfFactors() throws Exception {
        GraphBuilder b = new GraphBuilder("shared", 17);
        String x = b.input("x", DataType.FLOAT, 2, 6);
        float[] w = new float[36];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) Math.cos(i * 0.9) * 0.3f;
        }
        String weight = b.initializer(Tensor.ofFloats("w", new long[] {6, 6}, w));
        b.output(b.op("MatMul", b.op("MatMul", x, weight), weight), "y", DataType.FLOAT, 2, 6);
        OnnxModel model = b.build();
        FactorizeResult r = Factorizer.factorize(model, SOURCE, FactorizeOptions.of(new RankRule.Fixed(2)), ProgressListener.NONE);
        assertThat(r.factorized()).singleElement().satisfies(f -> assertThat(f.nodes()).hasSize(2));
        assertThat(model.graph().initializers()).hasSize(2);
        assertThat(count(model, "MatMul")).isEqualTo(4);
        assertThat(OrtFloats.run(model, dir.resolve("s.onnx"), "x", new float[12], 2, 6)).hasSize(12);
    }

    @Test
    void embeddingTableBecomesAThinTableAndAProjection() throws Exception {
        OnnxModel model = encoder();
        float[] before = EncoderRuns.hidden(model, dir);
        FactorizeResult r = Factorizer.factorize(model, SOURCE, new FactorizeOptions(RankPlan.none(), NodeFilter.all(),
                OptionalInt.of(8), true), ProgressListener.NONE);
        assertThat(r.factorized()).singleElement().satisfies(f -> {
            assertThat(f.opType()).isEqualTo("Gather");
            assertThat(f.rows()).isEqualTo(14);
            assertThat(f.rank()).isEqualTo(8);
        });
        assertThat(TokenEmbedding.vocabularySize(model.graph())).contains(14);
        assertThat(EncoderRuns.maxAbsDiff(EncoderRuns.realTokens(EncoderRuns.hidden(model, dir), 8),
                EncoderRuns.realTokens(before, 8))).isLessThan(1e-4);

        OnnxModel small = encoder();
        long params = small.graph().parameterCount();
        Factorizer.factorize(small, SOURCE, new FactorizeOptions(RankPlan.none(), NodeFilter.all(), OptionalInt.of(2), false),
                ProgressListener.NONE);
        // the table 14 x 8 = 112 becomes 14 x 2 + 2 x 8 = 44
        assertThat(params - small.graph().parameterCount()).isEqualTo(112 - 44);
        assertThat(EncoderRuns.hidden(small, dir)).doesNotContain(Float.NaN);
    }

    @Test
    void calibratedFactorsAreExactAtFullRankAndCloserAtLowRank() throws Exception {
        dev.nncj.data.TinyTokenizer.write(dir);
        CalibrationData calibration = new CalibrationData.Sentences(List.of("the cat sat on the mat .",
                "a dog", "cats on a mat", "the dog sat", "a cat . a dog ."), dir.resolve("tokenizer.json"), 2);
        float[] reference = EncoderRuns.realTokens(EncoderRuns.hidden(encoder(), dir), 8);

        OnnxModel full = encoder();
        Factorizer.factorize(full, SOURCE, FactorizeOptions.of(new RankRule.Ratio(1.0)).keepingUnprofitable()
                .withCalibration(calibration), ProgressListener.NONE);
        // diag(1/s) undoes diag(s) exactly up to float32 rounding
        assertThat(EncoderRuns.maxAbsDiff(EncoderRuns.realTokens(EncoderRuns.hidden(full, dir), 8), reference)).isLessThan(1e-4);

        OnnxModel plain = encoder();
        OnnxModel weighted = encoder();
        Factorizer.factorize(plain, SOURCE, FactorizeOptions.of(new RankRule.Fixed(4)), ProgressListener.NONE);
        FactorizeResult r = Factorizer.factorize(weighted, SOURCE, FactorizeOptions.of(new RankRule.Fixed(4))
                .withCalibration(calibration), ProgressListener.NONE);
        assertThat(r.factorized()).hasSize(4); // rank 4 saves only on the 8 x 16 FFN weights
        double plainError = rms(EncoderRuns.realTokens(EncoderRuns.hidden(plain, dir), 8), reference);
        double weightedError = rms(EncoderRuns.realTokens(EncoderRuns.hidden(weighted, dir), 8), reference);
        assertThat(weightedError).isLessThan(plainError);
    }

    private static double rms(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += (a[i] - b[i]) * (double) (a[i] - b[i]);
        }
        return Math.sqrt(sum / a.length);
    }

    @Test
    void modelsWithoutMatMulWeightsAreRefusedInOneLine() {
        assertThatThrownBy(() -> Factorizer.factorize(TinyModels.tokenEmbedder(14, 0), SOURCE,
                FactorizeOptions.of(new RankRule.Ratio(0.5)), ProgressListener.NONE))
                .isInstanceOf(NncjException.class)
                .hasMessage("tiny.onnx: has no MatMul or Gemm with a constant weight to factorize");
        assertThatThrownBy(() -> new RankRule.Ratio(0)).hasMessage("rank ratio must be in (0, 1], got 0.0");
        assertThatThrownBy(() -> new RankRule.Ratio(1.5)).hasMessage("rank ratio must be in (0, 1], got 1.5");
        assertThatThrownBy(() -> RankPlan.Override.parse("MatMul")).hasMessageStartingWith("rank must be PATTERN=R");
        assertThatThrownBy(() -> RankPlan.Override.parse("MatMul=x")).hasMessageContaining("'x' is neither a rank");
    }

    private static long count(OnnxModel model, String op) {
        return model.graph().nodes().stream().filter(n -> n.is(op)).count();
    }
}
