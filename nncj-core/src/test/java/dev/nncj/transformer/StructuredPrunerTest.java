package dev.nncj.transformer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nncj.NncjException;
import dev.nncj.data.TinyTokenizer;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StructuredPrunerTest {
    static final int H = TinyEncoders.HIDDEN;
    static final int D = TinyEncoders.HEAD_SIZE;

    @TempDir
    Path dir;

    /** Fixed scores: the units to remove score 0, all others 1. */
    record Fixed(List<double[]> heads, List<double[]> neurons) implements ImportanceScorer {
        @Override
        public String name() {
            return "fixed";
        }

        @Override
        public ImportanceScores score(EncoderSpec spec) {
            return new ImportanceScores(heads, neurons);
        }
    }

    private EncoderSpec tiny(List<Long> seeds) {
        return EncoderLifter.lift(TinyEncoders.build(TinyEncoders.Style.PYTORCH, seeds, false), dir.resolve("tiny.onnx"));
    }

    @Test
    void keptLayersInAnyOrderEqualAnEncoderBuiltFromThoseLayers() throws Exception {
        EncoderSpec spec = tiny(List.of(1L, 2L, 3L));
        StructuredPruneResult r = StructuredPruner.prune(spec, new StructuredPruneOptions(Optional.of(List.of(2, 0)),
                new HeadPlan.All(), 0, new MagnitudeImportance()));

        OnnxModel reference = TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(3L, 1L), false);
        float[] expected = EncoderRuns.hidden(reference, dir);
        float[] actual = EncoderRuns.hidden(EncoderEmitter.emit(r.spec(), EmitOptions.defaults()), dir);
        assertThat(EncoderRuns.maxAbsDiff(expected, actual)).isLessThan(1e-5);
        assertThat(r.parametersRemoved()).isEqualTo(spec.layers().get(1).parameterCount());
    }

    @Test
    void removingHeadsAndNeuronsEqualsZeroingTheirOutputWeights() throws Exception {
        EncoderSpec spec = tiny(List.of(1L, 2L));
        // layer 0 loses head 1 and neurons 3, 7; layer 1 loses head 0 and neurons 0, 15
        List<double[]> heads = List.of(new double[] {1, 0}, new double[] {0, 1});
        List<double[]> neurons = List.of(ones(16, 3, 7), ones(16, 0, 15));
        StructuredPruneResult r = StructuredPruner.prune(spec, new StructuredPruneOptions(Optional.empty(),
                new HeadPlan.Fraction(0.5), 2.0 / 16, new Fixed(heads, neurons)));

        // reference computed by hand: a removed head contributes ctx_j Wo_j, a removed neuron
        // act_i W2[i, :]; zeroing those rows of Wo and W2 removes exactly that and nothing else
        List<EncoderLayer> zeroed = new ArrayList<>();
        int[][] deadHeads = {{1}, {0}};
        int[][] deadNeurons = {{3, 7}, {0, 15}};
        for (int i = 0; i < 2; i++) {
            EncoderLayer l = spec.layers().get(i);
            AttentionSpec a = l.attention();
            int[] rows = java.util.Arrays.stream(deadHeads[i]).flatMap(j -> java.util.stream.IntStream.range(j * D, j * D + D)).toArray();
            AttentionSpec za = new AttentionSpec(a.heads(), a.headSize(), a.query(), a.key(), a.value(),
                    zeroRows(a.output(), rows), a.scale());
            FeedForwardSpec f = l.ffn();
            zeroed.add(new EncoderLayer(za, l.attentionNorm(),
                    new FeedForwardSpec(f.up(), zeroRows(f.down(), deadNeurons[i]), f.activation()), l.ffnNorm()));
        }
        float[] expected = EncoderRuns.hidden(EncoderEmitter.emit(spec.withLayers(zeroed), EmitOptions.defaults()), dir);
        OnnxModel pruned = EncoderEmitter.emit(r.spec(), EmitOptions.defaults());
        float[] actual = EncoderRuns.hidden(pruned, dir);
        assertThat(EncoderRuns.maxAbsDiff(expected, actual)).isLessThan(1e-5);
        assertThat(r.keptHeads().get(0)).containsExactly(0);
        assertThat(r.keptNeurons().get(1)).hasSize(14).doesNotContain(0, 15);

        // physically smaller by exactly the removed rows and columns: per head d columns of Wq, Wk,
        // Wv (+ 3d bias entries) and d rows of Wo; per neuron a column of W1, b1[i] and a row of W2
        long perHead = 3L * (H * D + D) + (long) D * H;
        long perNeuron = 2L * H + 1;
        long original = EncoderEmitter.emit(spec, EmitOptions.defaults()).graph().parameterCount();
        assertThat(original - pruned.graph().parameterCount()).isEqualTo(2 * perHead + 4 * perNeuron);
        assertThat(r.parametersRemoved()).isEqualTo(2 * perHead + 4 * perNeuron);
    }

    @Test
    void magnitudeImportanceRemovesTheHeadWhoseWeightsAreSmallest() {
        EncoderSpec spec = tiny(List.of(1L, 2L));
        EncoderLayer l = spec.layers().get(0);
        AttentionSpec a = l.attention();
        int[] head0 = java.util.stream.IntStream.range(0, D).toArray();
        AttentionSpec shrunk = new AttentionSpec(a.heads(), D, scaleColumns(a.query(), head0), scaleColumns(a.key(), head0),
                scaleColumns(a.value(), head0), zeroRows(a.output(), head0), a.scale());
        EncoderSpec edited = spec.withLayers(List.of(l.withAttention(shrunk), spec.layers().get(1)));

        ImportanceScores s = new MagnitudeImportance().score(edited);
        assertThat(s.heads().get(0)[0]).isLessThan(s.heads().get(0)[1]);
        StructuredPruneResult r = StructuredPruner.prune(edited, new StructuredPruneOptions(Optional.empty(),
                new HeadPlan.Fraction(0.5), 0, new MagnitudeImportance()));
        assertThat(r.keptHeads().get(0)).containsExactly(1);
    }

    @Test
    void activationImportanceGivesAHeadThatWritesNothingZero() throws Exception {
        EncoderSpec spec = tiny(List.of(1L, 2L));
        EncoderLayer l = spec.layers().get(1);
        AttentionSpec a = l.attention();
        AttentionSpec silent = new AttentionSpec(a.heads(), D, a.query(), a.key(), a.value(),
                zeroRows(a.output(), java.util.stream.IntStream.range(D, 2 * D).toArray()), a.scale());
        EncoderSpec edited = spec.withLayers(List.of(spec.layers().get(0), l.withAttention(silent)));

        Path tokenizer = TinyTokenizer.write(dir);
        ImportanceScores s = new ActivationImportance(List.of("the cat sat on the mat.", "a dog", "cats"), tokenizer, 2)
                .score(edited);
        assertThat(s.heads().get(1)[1]).isZero();
        assertThat(s.heads().get(1)[0]).isPositive();
        assertThat(java.util.Arrays.stream(s.heads().get(0)).min().getAsDouble()).isPositive();
        assertThat(s.neurons().get(0)).hasSize(TinyEncoders.FFN);
    }

    @Test
    void nothingToRemoveLeavesTheSpecAndNeverAsksForScores() {
        EncoderSpec spec = tiny(List.of(1L, 2L));
        ImportanceScorer refuses = new ImportanceScorer() {
            @Override
            public String name() {
                return "refuses";
            }

            @Override
            public ImportanceScores score(EncoderSpec s) {
                throw new AssertionError("scores were computed though nothing is pruned");
            }
        };
        StructuredPruneResult r = StructuredPruner.prune(spec, StructuredPruneOptions.none(refuses));
        assertThat(r.parametersRemoved()).isZero();
        assertThat(r.spec().layers()).isEqualTo(spec.layers());
    }

    @Test
    void badRequestsFailWithOneClearReason() {
        EncoderSpec spec = tiny(List.of(1L, 2L));
        MagnitudeImportance m = new MagnitudeImportance();
        assertThatThrownBy(() -> new HeadPlan.Fraction(1.0)).isInstanceOf(NncjException.class)
                .hasMessage("heads fraction must be in [0, 1), got 1.0");
        assertThatThrownBy(() -> new StructuredPruneOptions(Optional.empty(), new HeadPlan.All(), -0.1, m))
                .isInstanceOf(NncjException.class).hasMessage("ffn fraction must be in [0, 1), got -0.1");
        assertThatThrownBy(() -> StructuredPruner.prune(spec, new StructuredPruneOptions(Optional.of(List.of(0, 2)),
                new HeadPlan.All(), 0, m))).isInstanceOf(NncjException.class)
                .hasMessage("keepLayers: layer 2 is out of range (the model has layers 0..1)");
        // 2 heads, 0.75 removed: round(1.5) = 2 heads go, none left
        assertThatThrownBy(() -> StructuredPruner.prune(spec, new StructuredPruneOptions(Optional.empty(),
                new HeadPlan.Fraction(0.75), 0, m))).isInstanceOf(NncjException.class)
                .hasMessage("pruning would leave layer 0 with no attention heads (2 heads, 0 kept)");
        assertThatThrownBy(() -> StructuredPruner.prune(spec, new StructuredPruneOptions(Optional.empty(),
                new HeadPlan.PerLayer(List.of(2, 0)), 0, m))).isInstanceOf(NncjException.class)
                .hasMessage("pruning would leave layer 1 with no attention heads (2 heads, 0 kept)");
        assertThatThrownBy(() -> StructuredPruneOptions.keepAllBut(List.of(0, 1), 2)).isInstanceOf(NncjException.class)
                .hasMessage("dropping every layer leaves no encoder: keep at least one layer");
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

    private static Linear scaleColumns(Linear l, int[] columns) {
        float[] w = l.weight().toFloats();
        for (int i = 0; i < l.in(); i++) {
            for (int c : columns) {
                w[i * l.out() + c] *= 0.01f;
            }
        }
        return new Linear(Tensor.ofFloats(l.weight().name(), l.weight().shape(), w), l.bias());
    }
}
