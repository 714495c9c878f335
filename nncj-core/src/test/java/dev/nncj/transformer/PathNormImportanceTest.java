package dev.nncj.transformer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.nncj.onnx.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PathNormImportanceTest {
    private final EncoderSpec spec = EncoderLifter.lift(
            TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L), false), Path.of("tiny.onnx"));

    /** sqrt of the sum of squares of w[r][c] over rows (or columns) {@code from..to-1} of the other axis. */
    private static double norm(Tensor w, boolean columns, int from, int to) {
        float[] v = w.toFloats();
        int cols = (int) w.dim(1);
        double sum = 0;
        for (int i = 0; i < v.length; i++) {
            int index = columns ? i % cols : i / cols;
            if (index >= from && index < to) {
                sum += (double) v[i] * v[i];
            }
        }
        return Math.sqrt(sum);
    }

    @Test
    void aHeadScoresItsValueNormTimesItsOutputNormAndANeuronItsInTimesItsOut() {
        ImportanceScores scores = new PathNormImportance().score(spec);
        AttentionSpec a = spec.layers().get(1).attention();
        int d = TinyEncoders.HEAD_SIZE;
        double head1 = norm(a.value().weight(), true, d, 2 * d) * norm(a.output().weight(), false, d, 2 * d);
        assertThat(scores.heads().get(1)[1]).isCloseTo(head1, within(1e-9));
        FeedForwardSpec f = spec.layers().get(0).ffn();
        double neuron5 = norm(f.up().weight(), true, 5, 6) * norm(f.down().weight(), false, 5, 6);
        assertThat(scores.neurons().get(0)[5]).isCloseTo(neuron5, within(1e-9));
    }

    @Test
    void aHeadThatWritesNothingIsPrunedFirstWhereMagnitudeKeepsIt() {
        // layer 0's head 0 gets large query/key/value weights but an output projection of zeros: it adds
        // nothing to the residual stream, so path norm removes it; the joint L2 norm keeps it
        AttentionSpec a = spec.layers().get(0).attention();
        int d = TinyEncoders.HEAD_SIZE;
        Linear output = new Linear(scaleRows(a.output().weight(), 0, d, 0f), a.output().bias());
        Linear query = new Linear(scaleColumns(a.query().weight(), 0, d, 10f), a.query().bias());
        AttentionSpec silent = new AttentionSpec(a.heads(), a.headSize(), query, a.key(), a.value(), output, a.scale());
        List<EncoderLayer> layers = new ArrayList<>(spec.layers());
        layers.set(0, layers.get(0).withAttention(silent));
        EncoderSpec edited = spec.withLayers(layers);

        assertThat(new PathNormImportance().score(edited).heads().get(0)[0]).isZero();
        StructuredPruneOptions half = new StructuredPruneOptions(Optional.empty(), new HeadPlan.Fraction(0.5), 0,
                new PathNormImportance());
        assertThat(StructuredPruner.prune(edited, half).keptHeads().get(0)).containsExactly(1);
        StructuredPruneOptions byMagnitude = new StructuredPruneOptions(Optional.empty(), new HeadPlan.Fraction(0.5), 0,
                new MagnitudeImportance());
        assertThat(StructuredPruner.prune(edited, byMagnitude).keptHeads().get(0)).containsExactly(0);
    }

    private static Tensor scaleRows(Tensor w, int from, int to, float factor) {
        float[] v = w.toFloats();
        int cols = (int) w.dim(1);
        for (int i = from * cols; i < to * cols; i++) {
            v[i] *= factor;
        }
        return Tensor.ofFloats(w.name(), w.shape(), v);
    }

    private static Tensor scaleColumns(Tensor w, int from, int to, float factor) {
        float[] v = w.toFloats();
        int cols = (int) w.dim(1);
        for (int i = 0; i < v.length; i++) {
            if (i % cols >= from && i % cols < to) {
                v[i] *= factor;
            }
        }
        return Tensor.ofFloats(w.name(), w.shape(), v);
    }
}
