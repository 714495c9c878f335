package dev.nncj.transformer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nncj.data.TinyTokenizer;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.transformer.ExportStyleEncoders.Attention;
import dev.nncj.transformer.ExportStyleEncoders.Exporter;
import dev.nncj.transformer.ExportStyleEncoders.Form;
import dev.nncj.transformer.ExportStyleEncoders.HeadSplit;
import dev.nncj.transformer.ExportStyleEncoders.TokenTypes;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Today's BERT exports (transformers 5.x, legacy opset 14 and dynamo opset 18) lift, round-trip and prune. */
class ExportStyleEncodersTest {
    static final int H = TinyEncoders.HIDDEN;

    @TempDir
    Path dir;

    static Stream<Form> forms() {
        return Stream.of(
                ExportStyleEncoders.LEGACY,
                new Form(Exporter.LEGACY_14, HeadSplit.INFERRED_HEAD_SIZE, Attention.SDPA, TokenTypes.INPUT, false),
                new Form(Exporter.LEGACY_14, HeadSplit.INFERRED_HEADS, Attention.SDPA_DECOMPOSED_SOFTMAX, TokenTypes.ABSENT, false),
                ExportStyleEncoders.DYNAMO,
                new Form(Exporter.DYNAMO_18, HeadSplit.INFERRED_HEAD_SIZE, Attention.EAGER, TokenTypes.CONSTANT, false),
                new Form(Exporter.DYNAMO_18, HeadSplit.INFERRED_HEADS, Attention.SDPA, TokenTypes.ABSENT, true));
    }

    /** The output besides the hidden state: the classifier's logits or the pooler's. */
    private static String second(Form form) {
        return form.classifier() ? "logits" : "pooler_output";
    }

    @ParameterizedTest
    @MethodSource("forms")
    void liftsAndRoundTripsEveryPositionUnderOrt(Form form) throws Exception {
        OnnxModel model = ExportStyleEncoders.build(form);
        EncoderLifter.Result lifted = EncoderLifter.tryLift(model);
        assertThat(lifted.reason()).isEmpty();
        EncoderSpec spec = lifted.spec().orElseThrow();
        assertThat(spec.layers()).allSatisfy(l -> {
            assertThat(l.attention().heads()).isEqualTo(TinyEncoders.HEADS);
            assertThat(l.attention().headSize()).isEqualTo(TinyEncoders.HEAD_SIZE);
            assertThat(l.attention().scale()).isCloseTo(0.5f, org.assertj.core.data.Offset.offset(1e-6f));
        });
        assertThat(spec.maskValue()).isEqualTo(-Float.MAX_VALUE);
        assertThat(spec.parameterCount()).isEqualTo(expectedParameters(form, TinyEncoders.HEADS, TinyEncoders.FFN, 2));

        OnnxModel emitted = EncoderEmitter.emit(spec, EmitOptions.defaults());
        // padded positions included: their queries still attend the real keys in both graphs
        assertThat(EncoderRuns.maxAbsDiff(EncoderRuns.hidden(model, dir), EncoderRuns.hidden(emitted, dir))).isLessThan(1e-5);
        assertThat(EncoderRuns.maxAbsDiff(EncoderRuns.run(model, dir, second(form)), EncoderRuns.run(emitted, dir, second(form))))
                .isLessThan(1e-5);
    }

    @ParameterizedTest
    @MethodSource("forms")
    void survivesPruningHalfTheHeadsAndHalfTheFfn(Form form) throws Exception {
        EncoderSpec spec = EncoderLifter.lift(ExportStyleEncoders.build(form), dir.resolve("tiny.onnx"));
        StructuredPruneResult r = StructuredPruner.prune(spec, new StructuredPruneOptions(Optional.empty(),
                new HeadPlan.Fraction(0.5), 0.5, new MagnitudeImportance()));
        OnnxModel pruned = EncoderEmitter.emit(r.spec(), EmitOptions.defaults());

        long expected = expectedParameters(form, 1, TinyEncoders.FFN / 2, 2);
        assertThat(r.parametersAfter()).isEqualTo(expected);
        assertThat(pruned.graph().parameterCount()).isEqualTo(expected);
        EncoderSpec again = EncoderLifter.lift(pruned, dir.resolve("pruned.onnx"));
        assertThat(again.layers()).extracting(l -> l.attention().heads()).containsExactly(1, 1);
        assertThat(again.layers()).extracting(l -> l.ffn().width()).containsExactly(8, 8);
        assertThat(EncoderRuns.run(pruned, dir, second(form))).hasSize(EncoderRuns.IDS.length * (form.classifier() ? 2 : H));
    }

    @ParameterizedTest
    @MethodSource("forms")
    void keepingTheLastLayerEqualsTheEncoderBuiltFromItAlone(Form form) throws Exception {
        EncoderSpec spec = EncoderLifter.lift(ExportStyleEncoders.build(form, List.of(1L, 2L)), dir.resolve("tiny.onnx"));
        StructuredPruneResult r = StructuredPruner.prune(spec, new StructuredPruneOptions(Optional.of(List.of(1)),
                new HeadPlan.All(), 0, new MagnitudeImportance()));
        OnnxModel student = EncoderEmitter.emit(r.spec(), EmitOptions.defaults());
        OnnxModel reference = ExportStyleEncoders.build(form, List.of(2L));

        assertThat(r.parametersAfter()).isEqualTo(expectedParameters(form, TinyEncoders.HEADS, TinyEncoders.FFN, 1));
        assertThat(EncoderRuns.maxAbsDiff(EncoderRuns.hidden(reference, dir), EncoderRuns.hidden(student, dir))).isLessThan(1e-5);
    }

    @ParameterizedTest
    @MethodSource("forms")
    void sharingLayersAcrossTheStackComputesWhatRepeatedLayersCompute(Form form) throws Exception {
        dev.nncj.share.SharedModel shared = dev.nncj.share.CrossLayerSharing.share(ExportStyleEncoders.build(form,
                List.of(1L, 2L)), dir.resolve("tiny.onnx"), dev.nncj.share.CrossLayerOptions.of(1, "first"));
        OnnxModel repeated = ExportStyleEncoders.build(form, List.of(1L, 1L));
        assertThat(EncoderRuns.maxAbsDiff(EncoderRuns.hidden(shared.model(), dir), EncoderRuns.hidden(repeated, dir)))
                .isLessThan(1e-5);
    }

    @Test
    void inspectFormsNameTheExportStyle() {
        EncoderLifter.Result legacy = EncoderLifter.tryLift(ExportStyleEncoders.build(ExportStyleEncoders.LEGACY));
        assertThat(legacy.forms()).containsEntry("head split", List.of("inferred head count [B, S, -1, head size]"))
                .containsEntry("mask", List.of("boolean mask Where(mask, 0, c) added to the scores"))
                .containsEntry("attention scale", List.of("on the scores"))
                .containsEntry("LayerNorm", List.of("decomposed (ReduceMean, Sub, Pow, Sqrt, Div)"));

        EncoderLifter.Result dynamo = EncoderLifter.tryLift(ExportStyleEncoders.build(ExportStyleEncoders.DYNAMO));
        assertThat(dynamo.forms()).containsEntry("attention scale", List.of("on Q and K before Q K^T"))
                .containsEntry("softmax", List.of("Softmax op", "NaN guard Where(IsNaN(p), 0, p)"))
                .containsEntry("LayerNorm", List.of("LayerNormalization op"))
                .containsEntry("linear", List.of("MatMul by Transpose(W) + Add", "Gemm"));
    }

    @Test
    void aCausalMaskIsRefusedNamingTheWhere() {
        OnnxModel model = ExportStyleEncoders.build(new Form(Exporter.DYNAMO_18, HeadSplit.INFERRED_HEADS, Attention.SDPA,
                TokenTypes.INPUT, false));
        // and the padding mask with something that is not all true (here: itself negated), as a causal mask would be
        Node and = model.graph().nodes().stream().filter(n -> n.is("And")).findFirst().orElseThrow();
        Node where = model.graph().nodes().stream().filter(n -> n.is("Where") && n.input(0).equals(and.output(0)))
                .findFirst().orElseThrow();
        Node not = Node.of("not_padding", "Not", List.of(and.input(1)), List.of("not_padding_out"));
        model.graph().replaceNode(and, List.of(not, Node.of(and.name(), "And", List.of("not_padding_out", and.input(1)),
                and.outputs())));

        assertThat(EncoderLifter.tryLift(model).reason()).isEqualTo("layer 0: attention: the condition of Where '"
                + where.name() + "' is not the attention mask (true at real tokens, through Cast, GatherND, Expand, And, Not)");
    }

    @Test
    void aReshapeThatDoesNotSplitIntoHeadsIsRefusedWithItsShape() {
        OnnxModel model = ExportStyleEncoders.build(ExportStyleEncoders.LEGACY);
        // head size 3 does not divide the 8 units of a projection
        Node reshape = model.graph().nodes().stream().filter(n -> n.is("Reshape") && model.graph().producer(n.input(1))
                .filter(c -> c.is("Concat") && c.inputs().size() == 4).isPresent()).findFirst().orElseThrow();
        Node concat = model.graph().producer(reshape.input(1)).orElseThrow();
        model.graph().replaceInitializer(dev.nncj.onnx.Tensor.ofLongs(concat.input(3), new long[] {1}, 3));

        assertThat(EncoderLifter.tryLift(model).reason())
                .isEqualTo("layer 0: attention: Reshape '" + reshape.name() + "' splits 8 units into -1 x 3");
    }

    /** Parameters counted from the sizes alone: embeddings, layers, pooler (or pooler and classifier). */
    static long expectedParameters(Form form, int heads, int ffn, int layers) {
        int w = heads * TinyEncoders.HEAD_SIZE;
        // the token-type table stays whether its ids are an input, absent (a zeros buffer) or constant
        long embeddings = (long) TinyTokenizer.VOCABULARY_SIZE * H + TinyEncoders.POSITIONS * H + 2 * H + 2 * H;
        long layer = 3L * (H * w + w) + (w * H + H) + 2 * H + (H * ffn + ffn) + (ffn * H + H) + 2 * H;
        long head = H * H + H + (form.classifier() ? 2 * H + 2 : 0);
        return embeddings + layers * layer + head;
    }
}
