package dev.nncj.transformer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nncj.NncjException;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Pre-norm encoders (h = h + Attn(LN1(h)); h = h + FFN(LN2(h)); final LN): lift, emit, prune. */
class PreNormEncoderTest {
    static final int H = TinyEncoders.HIDDEN;
    static final int D = TinyEncoders.HEAD_SIZE;

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(TinyEncoders.Style.class)
    void liftsAPreNormEncoderWithItsFinalLayerNorm(TinyEncoders.Style style) {
        OnnxModel model = TinyEncoders.buildPreNorm(style, List.of(1L, 2L, 3L), false);
        EncoderSpec spec = EncoderLifter.lift(model, dir.resolve("tiny.onnx"));

        assertThat(spec.normPlacement()).isEqualTo(NormPlacement.PRE);
        assertThat(spec.finalNorm()).isPresent();
        assertThat(spec.finalNorm().get().width()).isEqualTo(H);
        assertThat(spec.layers()).hasSize(3);
        assertThat(spec.layers()).allSatisfy(l -> {
            assertThat(l.attention().heads()).isEqualTo(TinyEncoders.HEADS);
            assertThat(l.attention().headSize()).isEqualTo(D);
            assertThat(l.attention().scale()).isCloseTo(0.5f, org.assertj.core.data.Offset.offset(1e-6f));
            assertThat(l.ffn().width()).isEqualTo(TinyEncoders.FFN);
            assertThat(l.attentionNorm().epsilon()).isEqualTo(style == TinyEncoders.Style.PYTORCH ? 1e-12f : 1e-5f);
            assertThat(l.ffnNorm().width()).isEqualTo(H);
        });
        assertThat(spec.layers().get(0).ffn().activation())
                .isEqualTo(style == TinyEncoders.Style.PYTORCH ? Activation.GELU_ERF : Activation.GELU_TANH);
        assertThat(spec.maskValue()).isEqualTo(-3.4028235e38f);
        // every initializer is accounted for, the final LayerNorm included
        assertThat(spec.parameterCount()).isEqualTo(model.graph().parameterCount());
    }

    @Test
    void postNormEncodersStillLiftAsPostNormWithoutAFinalNorm() {
        EncoderSpec spec = EncoderLifter.lift(TinyEncoders.build(TinyEncoders.Style.PYTORCH), dir.resolve("tiny.onnx"));
        assertThat(spec.normPlacement()).isEqualTo(NormPlacement.POST);
        assertThat(spec.finalNorm()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(TinyEncoders.Style.class)
    void liftThenEmitComputesTheSameOutputsUnderOrt(TinyEncoders.Style style) throws Exception {
        OnnxModel model = TinyEncoders.buildPreNorm(style, List.of(1L, 2L), true);
        EncoderSpec spec = EncoderLifter.lift(model, dir.resolve("tiny.onnx"));
        assertThat(spec.pooler()).isPresent();
        for (EmitOptions.AttentionStyle attention : EmitOptions.AttentionStyle.values()) {
            OnnxModel emitted = EncoderEmitter.emit(spec, EmitOptions.defaults().withAttention(attention));
            assertThat(emitted.graph().parameterCount()).isEqualTo(model.graph().parameterCount());
            assertThat(emitted.graph().outputs()).isEqualTo(model.graph().outputs());
            assertThat(EncoderRuns.maxAbsDiff(EncoderRuns.hidden(model, dir), EncoderRuns.hidden(emitted, dir)))
                    .as(attention.name()).isLessThan(1e-5);
            assertThat(EncoderRuns.maxAbsDiff(EncoderRuns.run(model, dir, "pooler_output"),
                    EncoderRuns.run(emitted, dir, "pooler_output"))).as(attention.name()).isLessThan(1e-5);

            // the emitted graph lifts back as the same pre-norm structure, so pruning composes
            EncoderSpec again = EncoderLifter.lift(emitted, dir.resolve("emitted.onnx"));
            assertThat(again.normPlacement()).isEqualTo(NormPlacement.PRE);
            assertThat(again.finalNorm()).isPresent();
            assertThat(again.parameterCount()).isEqualTo(spec.parameterCount());
        }
    }

    @Test
    void keptLayersInAnyOrderEqualAPreNormEncoderBuiltFromThoseLayers() throws Exception {
        EncoderSpec spec = EncoderLifter.lift(TinyEncoders.buildPreNorm(TinyEncoders.Style.PYTORCH,
                List.of(1L, 2L, 3L), false), dir.resolve("tiny.onnx"));
        StructuredPruneResult r = StructuredPruner.prune(spec, new StructuredPruneOptions(Optional.of(List.of(2, 0)),
                new HeadPlan.All(), 0, new MagnitudeImportance()));

        OnnxModel reference = TinyEncoders.buildPreNorm(TinyEncoders.Style.PYTORCH, List.of(3L, 1L), false);
        float[] expected = EncoderRuns.hidden(reference, dir);
        float[] actual = EncoderRuns.hidden(EncoderEmitter.emit(r.spec(), EmitOptions.defaults()), dir);
        assertThat(EncoderRuns.maxAbsDiff(expected, actual)).isLessThan(1e-5);
        assertThat(r.spec().finalNorm()).isEqualTo(spec.finalNorm());
        assertThat(r.parametersRemoved()).isEqualTo(spec.layers().get(1).parameterCount());
    }

    @Test
    void removingHeadsAndNeuronsEqualsZeroingTheirOutputWeights() throws Exception {
        EncoderSpec spec = EncoderLifter.lift(TinyEncoders.buildPreNorm(TinyEncoders.Style.FUSED,
                List.of(1L, 2L), false), dir.resolve("tiny.onnx"));
        List<double[]> heads = List.of(new double[] {1, 0}, new double[] {0, 1});
        List<double[]> neurons = List.of(ones(16, 3, 7), ones(16, 0, 15));
        StructuredPruneResult r = StructuredPruner.prune(spec, new StructuredPruneOptions(Optional.empty(),
                new HeadPlan.Fraction(0.5), 2.0 / 16, new StructuredPrunerTest.Fixed(heads, neurons)));

        // in pre-norm too a removed head adds ctx_j Wo_j and a removed neuron act_i W2[i, :] to the
        // residual stream and nothing else, so zeroing those rows of Wo and W2 is the reference
        List<EncoderLayer> zeroed = new ArrayList<>();
        int[][] deadHeads = {{1}, {0}};
        int[][] deadNeurons = {{3, 7}, {0, 15}};
        for (int i = 0; i < 2; i++) {
            EncoderLayer l = spec.layers().get(i);
            AttentionSpec a = l.attention();
            int[] rows = java.util.Arrays.stream(deadHeads[i])
                    .flatMap(j -> java.util.stream.IntStream.range(j * D, j * D + D)).toArray();
            AttentionSpec za = new AttentionSpec(a.heads(), a.headSize(), a.query(), a.key(), a.value(),
                    zeroRows(a.output(), rows), a.scale());
            FeedForwardSpec f = l.ffn();
            zeroed.add(new EncoderLayer(za, l.attentionNorm(),
                    new FeedForwardSpec(f.up(), zeroRows(f.down(), deadNeurons[i]), f.activation()), l.ffnNorm()));
        }
        float[] expected = EncoderRuns.hidden(EncoderEmitter.emit(spec.withLayers(zeroed), EmitOptions.defaults()), dir);
        OnnxModel pruned = EncoderEmitter.emit(r.spec(), EmitOptions.defaults());
        assertThat(EncoderRuns.maxAbsDiff(expected, EncoderRuns.hidden(pruned, dir))).isLessThan(1e-5);

        long perHead = 3L * (H * D + D) + (long) D * H;
        long perNeuron = 2L * H + 1;
        long original = EncoderEmitter.emit(spec, EmitOptions.defaults()).graph().parameterCount();
        assertThat(original - pruned.graph().parameterCount()).isEqualTo(2 * perHead + 4 * perNeuron);
        assertThat(EncoderLifter.lift(pruned, dir.resolve("pruned.onnx")).layers())
                .extracting(l -> l.attention().heads()).containsExactly(1, 1);
    }

    @Test
    void residualAddsWithNoLayerNormAnywhereAreRefusedNamingTheNode() {
        OnnxModel model = TinyEncoders.buildWithoutNorms(List.of(1L, 2L));
        Path file = dir.resolve("nonorm.onnx");
        assertThatThrownBy(() -> EncoderLifter.lift(model, file)).isInstanceOf(NncjException.class)
                .satisfies(e -> {
                    assertThat(e.getMessage()).doesNotContain("\n");
                    assertThat(e.getMessage()).startsWith(file + ": not a transformer encoder NNCJ can lift:"
                            + " embeddings: expected a LayerNorm").contains("reading node '");
                });
    }

    @Test
    void aPreNormStackWithoutAnEmbeddingLayerNormLiftsAndRoundTrips() throws Exception {
        // the raw embedding sum is the residual stream; layer 0's LN1 is not mistaken for an embedding LN
        OnnxModel model = TinyEncoders.buildPreNormWithoutEmbeddingNorm(List.of(1L, 2L));
        EncoderSpec spec = EncoderLifter.lift(model, dir.resolve("tiny.onnx"));
        assertThat(spec.normPlacement()).isEqualTo(NormPlacement.PRE);
        assertThat(spec.embeddings().norm()).isEmpty();
        assertThat(spec.finalNorm()).isPresent();
        assertThat(spec.layers()).hasSize(2);
        assertThat(spec.parameterCount()).isEqualTo(model.graph().parameterCount());

        OnnxModel emitted = EncoderEmitter.emit(spec, EmitOptions.defaults());
        assertThat(emitted.graph().parameterCount()).isEqualTo(model.graph().parameterCount());
        assertThat(EncoderRuns.maxAbsDiff(EncoderRuns.hidden(model, dir), EncoderRuns.hidden(emitted, dir)))
                .isLessThan(1e-5);
        EncoderSpec again = EncoderLifter.lift(emitted, dir.resolve("emitted.onnx"));
        assertThat(again.embeddings().norm()).isEmpty();
        assertThat(again.layers()).hasSize(2);

        // layer selection keeps the (absent) embedding norm and the final norm
        EncoderSpec second = StructuredPruner.prune(spec, new StructuredPruneOptions(Optional.of(List.of(1)),
                new HeadPlan.All(), 0, new MagnitudeImportance())).spec();
        assertThat(EncoderRuns.maxAbsDiff(
                EncoderRuns.hidden(TinyEncoders.buildPreNormWithoutEmbeddingNorm(List.of(2L)), dir),
                EncoderRuns.hidden(EncoderEmitter.emit(second, EmitOptions.defaults()), dir))).isLessThan(1e-5);
    }

    @Test
    void aPostNormLayerMissingItsLayerNormNamesTheResidualAdd() {
        // embeddings normalized, but layer 0's residual Add is followed by the FFN directly
        OnnxModel model = TinyEncoders.build(TinyEncoders.Style.FUSED);
        dev.nncj.onnx.Node ln = model.graph().nodes().stream().filter(n -> n.is("LayerNormalization")).skip(1)
                .findFirst().orElseThrow();
        model.graph().replaceNode(ln, List.of(dev.nncj.onnx.Node.of(ln.name(), "Identity", List.of(ln.input(0)),
                ln.outputs())));
        assertThat(EncoderLifter.tryLift(model).reason())
                .startsWith("layer 0: attention LayerNorm: expected a LayerNorm (LayerNormalization, or ReduceMean and"
                        + " Sub of the mean) reading node '")
                .contains("(Add)").doesNotContain("\n");
    }

    @Test
    void activationImportanceRunsOnAPreNormEncoder() throws Exception {
        EncoderSpec spec = EncoderLifter.lift(TinyEncoders.buildPreNorm(TinyEncoders.Style.PYTORCH, List.of(1L, 2L),
                false), dir.resolve("tiny.onnx"));
        EncoderLayer l = spec.layers().get(1);
        AttentionSpec a = l.attention();
        AttentionSpec silent = new AttentionSpec(a.heads(), D, a.query(), a.key(), a.value(),
                zeroRows(a.output(), java.util.stream.IntStream.range(D, 2 * D).toArray()), a.scale());
        EncoderSpec edited = spec.withLayers(List.of(spec.layers().get(0), l.withAttention(silent)));
        java.nio.file.Path tokenizer = dev.nncj.data.TinyTokenizer.write(dir);
        ImportanceScores s = new ActivationImportance(List.of("the cat sat on the mat.", "a dog", "cats"), tokenizer, 2)
                .score(edited);
        assertThat(s.heads().get(1)[1]).isZero();
        assertThat(s.heads().get(1)[0]).isPositive();
        assertThat(dev.nncj.inspect.EncoderStructure.of(spec).normPlacement()).isEqualTo("pre");
    }

    private static double[] ones(int n, int... zeros) {
        double[] v = new double[n];
        java.util.Arrays.fill(v, 1);
        for (int z : zeros) {
            v[z] = 0;
        }
        return v;
    }

    private static Linear zeroRows(Linear l, int[] rows) {
        float[] w = l.weight().toFloats();
        for (int r : rows) {
            java.util.Arrays.fill(w, r * l.out(), (r + 1) * l.out(), 0f);
        }
        return new Linear(Tensor.ofFloats(l.weight().name(), l.weight().shape(), w), l.bias());
    }
}
