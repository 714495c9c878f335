package dev.nncj.train.pruning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nncj.NncjException;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.transformer.EmitOptions;
import dev.nncj.transformer.EncoderEmitter;
import dev.nncj.transformer.EncoderLifter;
import dev.nncj.transformer.HeadPlan;
import dev.nncj.transformer.MagnitudeImportance;
import dev.nncj.transformer.StructuredPruneOptions;
import dev.nncj.transformer.StructuredPruner;
import dev.nncj.transformer.TinyEncoders;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class IterativePrunerTest {
    private static final Path FILE = Path.of("tiny.onnx");

    private static OnnxModel tiny() {
        return TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L, 3L), false);
    }

    /** FFN 16 -> 8 over two rounds: 12, then 8; each round recovered once, after its pruning; layer 1 dropped first. */
    @Test
    void roundsShareTheTargetAndEachIsRecovered() {
        List<String> calls = new ArrayList<>();
        var target = new StructuredPruneOptions(Optional.of(List.of(0, 2)), new HeadPlan.Fraction(0.5), 0.5,
                new MagnitudeImportance());
        var result = IterativePruner.prune(tiny(), FILE, target, 2, EmitOptions.defaults(), (pruned, round) -> {
            calls.add(round + ":" + EncoderLifter.lift(pruned, FILE).layers().get(0).ffn().width());
            return pruned;
        });
        assertThat(calls).containsExactly("1:12", "2:8");
        assertThat(result.rounds()).hasSize(2);
        var overall = result.overall();
        assertThat(overall.spec().layers()).hasSize(2).allMatch(l -> l.ffn().width() == 8 && l.attention().heads() == 1);
        assertThat(overall.layers()).containsExactly(0, 2);
        assertThat(overall.parametersAfter()).isLessThan(overall.parametersBefore());
        // the composed indexes pick the surviving neurons' weights out of the original layer
        var original = EncoderLifter.lift(tiny(), FILE).layers().get(2).ffn();
        float[] w1 = original.up().weight().toFloats();
        float[] kept = overall.spec().layers().get(1).ffn().up().weight().toFloats();
        int[] neurons = overall.keptNeurons().get(1);
        for (int j = 0; j < neurons.length; j++) {
            assertThat(kept[j]).isEqualTo(w1[neurons[j]]); // row 0 of W1: column neurons[j] of the original
        }
    }

    /** One round without recovery is exactly one-shot structured pruning. */
    @Test
    void oneRoundIsOneShotPruning() {
        var target = new StructuredPruneOptions(Optional.empty(), new HeadPlan.Fraction(0.5), 0.25, new MagnitudeImportance());
        OnnxModel iterative = IterativePruner.prune(tiny(), FILE, target, 1, EmitOptions.defaults(),
                IterativePruner.Recovery.NONE).model();
        OnnxModel oneShot = EncoderEmitter.emit(StructuredPruner.prune(EncoderLifter.lift(tiny(), FILE), target).spec(),
                EmitOptions.defaults());
        assertThat(iterative.graph().initializers().keySet()).isEqualTo(oneShot.graph().initializers().keySet());
        for (Tensor t : oneShot.graph().initializers().values()) {
            assertThat(iterative.graph().initializer(t.name()).orElseThrow().rawData()).as(t.name()).isEqualTo(t.rawData());
        }
    }

    @Test
    void impossibleRequestsFailBeforeAnyRound() {
        List<Integer> rounds = new ArrayList<>();
        var outOfRange = new StructuredPruneOptions(Optional.of(List.of(0, 7)), new HeadPlan.All(), 0.5, new MagnitudeImportance());
        assertThatThrownBy(() -> IterativePruner.prune(tiny(), FILE, outOfRange, 2, EmitOptions.defaults(), (m, r) -> {
            rounds.add(r);
            return m;
        })).isInstanceOf(NncjException.class).hasMessageContaining("layer 7 is out of range");
        assertThatThrownBy(() -> IterativePruner.prune(tiny(), FILE, outOfRange, 0, EmitOptions.defaults(),
                IterativePruner.Recovery.NONE)).isInstanceOf(NncjException.class).hasMessageContaining("at least 1");
        assertThat(rounds).isEmpty();
    }
}
