package dev.nncj.train;

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

        Recovery NONE = (pruned, round) -> pruned;
    }

    /** The final model and each round's pruning (indexes in each round refer to that round's input). */
    public record Result(OnnxModel model, EncoderSpec spec, List<StructuredPruneResult> rounds) {
        public long parametersBefore() {
            return rounds.get(0).parametersBefore();
        }

        public long parametersAfter() {
            return rounds.get(rounds.size() - 1).parametersAfter();
        }
    }

    public static Result prune(OnnxModel model, Path file, StructuredPruneOptions target, int iterations,
            EmitOptions emit, Recovery recovery) {
        if (iterations < 1) {
            throw new dev.nncj.NncjException("--iterations must be at least 1, got " + iterations);
        }
        EncoderSpec original = EncoderLifter.lift(model, file);
        // the layer selection alone (no scoring) checks the request and gives the layers the rounds prune
        EncoderSpec selected = StructuredPruner.prune(original, new StructuredPruneOptions(target.keepLayers(),
                new HeadPlan.All(), 0, target.importance())).spec();
        int layers = selected.layers().size();
        int[] heads0 = new int[layers];
        int[] headsEnd = new int[layers];
        for (int i = 0; i < layers; i++) {
            heads0[i] = selected.layers().get(i).attention().heads();
            headsEnd[i] = target.heads().keep(i, heads0[i]);
        }
        int width0 = selected.layers().get(0).ffn().width();
        if (widthEnd(width0, target) <= 0 || java.util.stream.IntStream.of(headsEnd).anyMatch(h -> h <= 0)) {
            StructuredPruner.prune(selected, new StructuredPruneOptions(Optional.empty(), target.heads(), target.ffnRemoved(),
                    target.importance())); // throws the pruner's own message
        }
        int widthEnd = widthEnd(width0, target);
        List<StructuredPruneResult> rounds = new ArrayList<>();
        OnnxModel current = model;
        EncoderSpec spec = original;
        for (int r = 1; r <= iterations; r++) {
            if (r > 1) {
                spec = EncoderLifter.lift(current, file);
            }
            List<Integer> keepHeads = new ArrayList<>();
            for (int i = 0; i < layers; i++) {
                keepHeads.add(heads0[i] - (int) Math.round((heads0[i] - headsEnd[i]) * (double) r / iterations));
            }
            // the pruner removes one fraction of every layer's FFN (the widths stay uniform when they start so)
            int width = spec.layers().get(r == 1 ? target.keepLayers().map(k -> k.get(0)).orElse(0) : 0).ffn().width();
            int keepWidth = width0 - (int) Math.round((width0 - widthEnd) * (double) r / iterations);
            StructuredPruneOptions round = new StructuredPruneOptions(r == 1 ? target.keepLayers() : Optional.empty(),
                    new HeadPlan.PerLayer(keepHeads), (width - keepWidth) / (double) width, target.importance());
            StructuredPruneResult result = StructuredPruner.prune(spec, round);
            rounds.add(result);
            spec = result.spec();
            current = recovery.recover(EncoderEmitter.emit(spec, emit), r);
        }
        return new Result(current, spec, rounds);
    }

    private static int widthEnd(int width, StructuredPruneOptions target) {
        return width - (int) Math.round(target.ffnRemoved() * width);
    }
}
