package dev.nncj.train.pruning;

import dev.nncj.onnx.OnnxModel;
import dev.nncj.transformer.EmitOptions;
import dev.nncj.transformer.EncoderEmitter;
import dev.nncj.transformer.EncoderLifter;
import dev.nncj.transformer.EncoderSpec;
import dev.nncj.transformer.HeadPlan;
import dev.nncj.transformer.StructuredPruneOptions;
import dev.nncj.transformer.StructuredPruneResult;
import dev.nncj.transformer.StructuredPruner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Structured pruning in rounds (prune a little, recover, re-score, repeat), as Michel et al. 2019
 * (section 4) and most structured-pruning work do: round r of N removes the r-th share of the heads
 * and FFN neurons the target removes in all, the importance is taken again on the model the previous
 * round left (after its recovery), and the last round lands exactly on the target. Layer selection
 * happens in the first round.
 */
public final class IterativePruner {
    private IterativePruner() {}

    /** Fine-tunes the pruned model of one round (distillation from the unpruned model, say); returns the trained model. */
    @FunctionalInterface
    public interface Recovery {
        OnnxModel recover(OnnxModel pruned, int round);

        /**
         * What {@link #recover} returned for {@code round} in an interrupted run being resumed, when
         * that round finished: the round's pruning is redone (it is cheap and deterministic), its
         * training is not.
         */
        default Optional<OnnxModel> finished(int round) {
            return Optional.empty();
        }

        Recovery NONE = (pruned, round) -> pruned;
    }

    /**
     * The final model, each round's pruning (its indexes refer to that round's input) and the
     * rounds composed: original layer, head and neuron indexes of what survived all of them (its
     * spec is the structure; the weights, recovered, are the model's).
     */
    public record Result(OnnxModel model, List<StructuredPruneResult> rounds) {
        public StructuredPruneResult overall() {
            StructuredPruneResult last = rounds.get(rounds.size() - 1);
            List<int[]> heads = new ArrayList<>();
            List<int[]> neurons = new ArrayList<>();
            for (int i = 0; i < last.layers().size(); i++) {
                int layer = i;
                heads.add(compose(r -> r.keptHeads().get(layer)));
                neurons.add(compose(r -> r.keptNeurons().get(layer)));
            }
            return new StructuredPruneResult(last.spec(), rounds.get(0).layers(), heads, neurons,
                    rounds.get(0).parametersBefore(), last.parametersAfter());
        }

        /** Kept indexes of the last round mapped back through every earlier round to the original's. */
        private int[] compose(java.util.function.Function<StructuredPruneResult, int[]> kept) {
            int[] idx = kept.apply(rounds.get(rounds.size() - 1)).clone();
            for (int k = rounds.size() - 2; k >= 0; k--) {
                int[] earlier = kept.apply(rounds.get(k));
                for (int j = 0; j < idx.length; j++) {
                    idx[j] = earlier[idx[j]];
                }
            }
            return idx;
        }
    }

    public static Result prune(OnnxModel model, Path file, StructuredPruneOptions target, int iterations,
            EmitOptions emit, Recovery recovery) {
        if (iterations < 1) {
            throw new dev.nncj.NncjException(dev.nncj.OptionName.of("iterations"), " must be at least 1, got " + iterations);
        }
        EncoderSpec original = EncoderLifter.lift(model, file);
        // the whole target, checked before any work; its counts are where the last round lands
        StructuredPruner.Plan plan = StructuredPruner.plan(original, target);
        int layers = plan.layers().size();
        int[] heads0 = plan.selected().layers().stream().mapToInt(l -> l.attention().heads()).toArray();
        int width0 = plan.selected().layers().get(0).ffn().width();
        int widthEnd = plan.keepNeurons()[0];
        List<StructuredPruneResult> rounds = new ArrayList<>();
        OnnxModel current = model;
        EncoderSpec spec = original;
        for (int r = 1; r <= iterations; r++) {
            if (r > 1) {
                spec = EncoderLifter.lift(current, file);
            }
            List<Integer> keepHeads = new ArrayList<>();
            for (int i = 0; i < layers; i++) {
                keepHeads.add(heads0[i] - (int) Math.round((heads0[i] - plan.keepHeads()[i]) * (double) r / iterations));
            }
            // the pruner removes one fraction of every layer's FFN (the widths stay uniform when they start so)
            int width = (r == 1 ? plan.selected() : spec).layers().get(0).ffn().width();
            int keepWidth = width0 - (int) Math.round((width0 - widthEnd) * (double) r / iterations);
            StructuredPruneOptions round = new StructuredPruneOptions(r == 1 ? target.keepLayers() : Optional.empty(),
                    new HeadPlan.PerLayer(keepHeads), (width - keepWidth) / (double) width, target.importance());
            StructuredPruneResult result = StructuredPruner.prune(spec, round);
            rounds.add(result);
            spec = result.spec();
            int done = r;
            OnnxModel emitted = EncoderEmitter.emit(spec, emit);
            current = recovery.finished(done).orElseGet(() -> recovery.recover(emitted, done));
        }
        return new Result(current, rounds);
    }

}
