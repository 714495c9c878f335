package dev.nncj.transformer;

import static dev.nncj.transformer.FamilyEncoders.EMBEDDING;
import static dev.nncj.transformer.TinyEncoders.FFN;
import static dev.nncj.transformer.TinyEncoders.HEAD_SIZE;
import static dev.nncj.transformer.TinyEncoders.HIDDEN;
import static dev.nncj.transformer.TinyEncoders.POSITIONS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nncj.data.TinyTokenizer;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.transformer.FamilyEncoders.Family;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The BERT family beyond BERT (DistilBERT, RoBERTa, ELECTRA, ALBERT): each lifts, round-trips
 * through the emitter under ONNX Runtime, and survives head/FFN pruning and student-layer
 * selection with the parameter count computed here from the architecture.
 */
class EncoderFamilyTest {
    private static final List<Long> SEEDS = List.of(1L, 2L, 3L);

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Family.class)
    void liftsAndEmitsTheSameFunctionWithTheSameParameters(Family family) throws Exception {
        OnnxModel model = FamilyEncoders.build(family, SEEDS);
        EncoderSpec spec = EncoderLifter.lift(model, dir.resolve(family + ".onnx"));

        assertThat(spec.layers()).hasSize(3);
        assertThat(spec.hidden()).isEqualTo(HIDDEN);
        assertThat(spec.parameterCount()).isEqualTo(model.graph().parameterCount())
                .isEqualTo(expectedParameters(family, 2, FFN));
        for (EmitOptions.AttentionStyle attention : EmitOptions.AttentionStyle.values()) {
            OnnxModel emitted = EncoderEmitter.emit(spec, EmitOptions.defaults().withAttention(attention));
            assertThat(emitted.graph().parameterCount()).as(attention.name()).isEqualTo(model.graph().parameterCount());
            assertThat(emitted.graph().inputs()).isEqualTo(model.graph().inputs());
            float[] expected = EncoderRuns.hidden(model, dir);
            float[] actual = EncoderRuns.hidden(emitted, dir);
            assertThat(EncoderRuns.maxAbsDiff(expected, actual)).as(attention.name()).isLessThan(1e-5);
        }
    }

    @ParameterizedTest
    @EnumSource(Family.class)
    void prunesHalfTheHeadsAndHalfTheFfnToTheComputedSize(Family family) throws Exception {
        OnnxModel model = FamilyEncoders.build(family, SEEDS);
        EncoderSpec spec = EncoderLifter.lift(model, dir.resolve(family + ".onnx"));
        StructuredPruneResult r = StructuredPruner.prune(spec, new StructuredPruneOptions(Optional.empty(),
                new HeadPlan.Fraction(0.5), 0.5, new MagnitudeImportance()));

        long expected = expectedParameters(family, 1, FFN / 2);
        assertThat(r.parametersAfter()).isEqualTo(expected);
        OnnxModel emitted = EncoderEmitter.emit(r.spec(), EmitOptions.defaults());
        assertThat(emitted.graph().parameterCount()).isEqualTo(expected);
        EncoderSpec again = EncoderLifter.lift(emitted, dir.resolve("pruned.onnx"));
        assertThat(again.layers()).allSatisfy(l -> assertThat(l.attention().heads()).isEqualTo(1));
        assertThat(again.parameterCount()).isEqualTo(expected);
        assertThat(EncoderRuns.maxAbsDiff(EncoderRuns.hidden(emitted, dir),
                EncoderRuns.hidden(EncoderEmitter.emit(again, EmitOptions.defaults()), dir))).isZero();
    }

    @ParameterizedTest
    @EnumSource(Family.class)
    void aStudentOfTwoTeacherLayersHasTheComputedSizeAndComputesThoseLayers(Family family) throws Exception {
        EncoderSpec spec = EncoderLifter.lift(FamilyEncoders.build(family, SEEDS), dir.resolve(family + ".onnx"));
        StructuredPruneResult r = StructuredPruner.prune(spec, new StructuredPruneOptions(Optional.of(List.of(0, 2)),
                new HeadPlan.All(), 0, new MagnitudeImportance()));
        OnnxModel student = EncoderEmitter.emit(r.spec(), EmitOptions.defaults());

        assertThat(student.graph().parameterCount()).isEqualTo(expectedParameters(family, 2, FFN, 2));
        // the same layers built directly: what the student computes is the teacher's layers 0 and 2
        OnnxModel direct = FamilyEncoders.build(family, List.of(SEEDS.get(0), SEEDS.get(2)));
        assertThat(EncoderRuns.maxAbsDiff(EncoderRuns.hidden(direct, dir), EncoderRuns.hidden(student, dir)))
                .isLessThan(1e-5);
    }

    @Test
    void robertaPositionsAreCountedFromThePaddingMaskAndEmittedExactly() throws Exception {
        OnnxModel model = FamilyEncoders.build(Family.ROBERTA, SEEDS);
        EncoderLifter.Result result = EncoderLifter.tryLift(model);
        EncoderSpec spec = result.spec().orElseThrow();

        assertThat(spec.embeddings().paddingIdx()).hasValue(FamilyEncoders.PAD);
        assertThat(spec.embeddings().position().orElseThrow().dim(0)).isEqualTo(FamilyEncoders.POSITION_ROWS);
        assertThat(spec.embeddings().tokenType().orElseThrow().dim(0)).isEqualTo(1);
        assertThat(spec.io().tokenTypeIds()).isEmpty();
        assertThat(result.forms().get("embeddings"))
                .contains("positions from the padding mask (RoBERTa)", "constant token type 0");
        // padded rows included: the emitter computes the same position ids for pads too
        assertThat(EncoderRuns.maxAbsDiff(EncoderRuns.hidden(model, dir),
                EncoderRuns.hidden(EncoderEmitter.emit(spec, EmitOptions.defaults()), dir))).isLessThan(1e-5);
    }

    @Test
    void albertsSharedLayerIsOneLayerObjectWrittenOnce() throws Exception {
        OnnxModel model = FamilyEncoders.build(Family.ALBERT, SEEDS);
        EncoderLifter.Result result = EncoderLifter.tryLift(model);
        EncoderSpec spec = result.spec().orElseThrow();

        assertThat(spec.layers()).allSatisfy(l -> assertThat(l).isSameAs(spec.layers().get(0)));
        assertThat(spec.embeddings().projection().orElseThrow().in()).isEqualTo(EMBEDDING);
        assertThat(result.forms().get("layers")).containsExactly("weights shared across layers (ALBERT)");
        OnnxModel emitted = EncoderEmitter.emit(spec, EmitOptions.defaults());
        assertThat(emitted.graph().initializers()).hasSameSizeAs(model.graph().initializers().values().stream()
                .filter(t -> t.type().isFloatingPoint()).toList());
    }

    @Test
    void sharedLayersAskedToKeepDifferentUnitsAreRefusedInOneLine() {
        EncoderSpec spec = EncoderLifter.lift(FamilyEncoders.build(Family.ALBERT, SEEDS), dir.resolve("albert.onnx"));
        assertThatThrownBy(() -> StructuredPruner.prune(spec, new StructuredPruneOptions(
                Optional.empty(), new HeadPlan.PerLayer(List.of(1, 2, 2)), 0, new MagnitudeImportance())))
                .isInstanceOf(dev.nncj.NncjException.class)
                .hasMessage("layers 0 and 1 share their weights and must keep the same units: 1 vs 2 heads, 16 vs 16 FFN neurons");
    }

    @Test
    void layersSharingOnlySomeWeightsAreRefusedByPruningNotUntied() {
        EncoderSpec spec = EncoderLifter.lift(FamilyEncoders.build(Family.ELECTRA, SEEDS), dir.resolve("electra.onnx"));
        EncoderLayer first = spec.layers().get(0);
        EncoderLayer third = spec.layers().get(2);
        AttentionSpec a = third.attention();
        // layer 2 reads layer 0's query projection, nothing else of it
        EncoderSpec partly = spec.withLayers(List.of(first, spec.layers().get(1), third.withAttention(new AttentionSpec(
                a.heads(), a.headSize(), first.attention().query(), a.key(), a.value(), a.output(), a.scale()))));
        assertThat(partly.parameterCount()).isEqualTo(spec.parameterCount() - (HIDDEN * 8 + 8));

        assertThatThrownBy(() -> StructuredPruner.prune(partly, new StructuredPruneOptions(Optional.empty(),
                new HeadPlan.Fraction(0.5), 0, new MagnitudeImportance())))
                .isInstanceOf(dev.nncj.NncjException.class)
                .hasMessage("layers 0 and 2 share some weights but not all: structured pruning would untie them");
    }

    @Test
    void deBertasRelativePositionAttentionIsRefusedInOneLineNamingTheNode() throws Exception {
        OnnxModel model = FamilyEncoders.relativePositionFragment();
        EncoderRuns.hidden(model, dir); // a valid graph: the refusal is about structure, not a broken file
        String gather = FamilyEncoders.firstNode(model, "GatherElements").name();
        Path file = dir.resolve("deberta.onnx");

        assertThatThrownBy(() -> EncoderLifter.lift(model, file)).isInstanceOf(dev.nncj.NncjException.class)
                .hasMessage(file + ": not a transformer encoder NNCJ can lift: relative-position attention (DeBERTa)"
                        + " is not supported: GatherElements '" + gather + "' gathers scores by relative position into"
                        + " the attention scores");
    }

    @Test
    void rotaryPositionsAreRefusedNamingTheRotation() throws Exception {
        OnnxModel model = FamilyEncoders.rotaryFragment();
        EncoderRuns.hidden(model, dir);
        String neg = FamilyEncoders.firstNode(model, "Neg").name();

        assertThat(EncoderLifter.tryLift(model).reason()).isEqualTo("rotary positions (ModernBERT, RoFormer) are not"
                + " supported: Neg '" + neg + "' rotates Q and K by Sin/Cos tables before the attention scores; NNCJ"
                + " reads learned position tables");
    }

    @Test
    void aGatedFfnIsRefusedNamingTheGateAndTheSplit() throws Exception {
        OnnxModel model = FamilyEncoders.gatedFfnFragment();
        EncoderRuns.hidden(model, dir);
        Node split = FamilyEncoders.firstNode(model, "Split");
        Node gate = model.graph().consumers(split.output(1)).get(0);

        assertThat(EncoderLifter.tryLift(model).reason()).isEqualTo("gated FFN (GeGLU) is not supported: Mul '"
                + gate.name() + "' multiplies an activation of one half of Split '" + split.name() + "' by the other"
                + " half; NNCJ reads FFNs of one up projection");
    }

    /** Parameters of a 3-layer family encoder whose layers keep {@code heads} heads and {@code ffn} neurons. */
    private static long expectedParameters(Family family, int heads, int ffn) {
        return expectedParameters(family, heads, ffn, 3);
    }

    private static long expectedParameters(Family family, int heads, int ffn, int layers) {
        int attentionWidth = heads * HEAD_SIZE;
        long layer = 3L * (HIDDEN * attentionWidth + attentionWidth) + (attentionWidth * HIDDEN + HIDDEN) // Q K V, O
                + (HIDDEN * ffn + ffn) + (ffn * HIDDEN + HIDDEN) // FFN
                + 2L * 2 * HIDDEN; // two LayerNorms
        long vocabulary = TinyTokenizer.VOCABULARY_SIZE;
        return switch (family) {
            case DISTILBERT -> (vocabulary + POSITIONS) * HIDDEN + 2 * HIDDEN + layers * layer;
            case ROBERTA -> (vocabulary + FamilyEncoders.POSITION_ROWS + 1) * HIDDEN + 2 * HIDDEN + layers * layer;
            case ELECTRA -> (vocabulary + POSITIONS + 2) * EMBEDDING + 2 * EMBEDDING
                    + (EMBEDDING * HIDDEN + HIDDEN) + layers * layer;
            // one layer's weights, whatever the depth
            case ALBERT -> (vocabulary + POSITIONS + 2) * EMBEDDING + 2 * EMBEDDING + (EMBEDDING * HIDDEN + HIDDEN) + layer;
        };
    }
}
