package dev.nncj.transformer;

import dev.nncj.NncjException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Structured pruning on a lifted encoder: select layers, then in each remaining layer keep the
 * highest-scoring heads and FFN neurons (scores from the options' {@link ImportanceScorer},
 * computed on the layer-selected encoder so data-driven scores see the network that remains).
 * Removing head j deletes its d columns of Wq, Wk, Wv (and bias entries) and its d rows of Wo;
 * removing neuron i deletes column i of W1, b1[i] and row i of W2. Nothing is zeroed: the weights
 * are physically smaller, and the surviving units compute exactly what they computed before.
 */
public final class StructuredPruner {
    private StructuredPruner() {}

    /**
     * What a request keeps, checked against {@code spec} without scoring anything: the layer-selected
     * encoder, and per selected layer the number of heads and FFN neurons kept.
     */
    public record Plan(EncoderSpec selected, List<Integer> layers, int[] keepHeads, int[] keepNeurons) {}

    /** The plan of {@code options} on {@code spec}; an impossible request throws naming the layer. */
    public static Plan plan(EncoderSpec spec, StructuredPruneOptions options) {
        int n = spec.layers().size();
        List<Integer> layers = options.keepLayers().orElse(IntStream.range(0, n).boxed().toList());
        for (int i : layers) {
            StructuredPruneOptions.checkLayer(i, n, "--keep-layers");
        }
        EncoderSpec selected = spec.withLayers(layers.stream().map(spec.layers()::get).toList());
        if (options.heads() instanceof HeadPlan.PerLayer p && p.counts().size() != layers.size()) {
            throw new NncjException("per-layer head counts: " + p.counts().size() + " given for " + layers.size()
                    + " layers");
        }
        int[] keepHeads = new int[layers.size()];
        int[] keepNeurons = new int[layers.size()];
        for (int i = 0; i < layers.size(); i++) {
            EncoderLayer l = selected.layers().get(i);
            keepHeads[i] = options.heads().keep(i, l.attention().heads());
            if (keepHeads[i] <= 0) {
                throw new NncjException("pruning would leave layer " + layers.get(i) + " with no attention heads ("
                        + l.attention().heads() + " heads, " + keepHeads[i] + " kept)");
            }
            if (keepHeads[i] > l.attention().heads()) {
                throw new NncjException("layer " + layers.get(i) + " has " + l.attention().heads()
                        + " heads; cannot keep " + keepHeads[i]);
            }
            keepNeurons[i] = l.ffn().width() - (int) Math.round(options.ffnRemoved() * l.ffn().width());
            if (keepNeurons[i] <= 0) {
                throw new NncjException("pruning would leave layer " + layers.get(i) + " with no FFN neurons");
            }
        }
        return new Plan(selected, layers, keepHeads, keepNeurons);
    }

    public static StructuredPruneResult prune(EncoderSpec spec, StructuredPruneOptions options) {
        // plan every layer before scoring, so impossible requests fail before any work
        Plan plan = plan(spec, options);
        EncoderSpec selected = plan.selected();
        List<Integer> layers = plan.layers();
        int[] keepHeads = plan.keepHeads();
        int[] keepNeurons = plan.keepNeurons();
        boolean unitPruning = IntStream.range(0, layers.size()).anyMatch(i ->
                keepHeads[i] < selected.layers().get(i).attention().heads()
                        || keepNeurons[i] < selected.layers().get(i).ffn().width());
        List<EncoderLayer> pruned = new ArrayList<>();
        List<int[]> keptHeads = new ArrayList<>();
        List<int[]> keptNeurons = new ArrayList<>();
        ImportanceScores scores = unitPruning ? options.importance().score(selected) : null;
        for (int i = 0; i < layers.size(); i++) {
            EncoderLayer l = selected.layers().get(i);
            int[] heads = unitPruning ? top(scores.heads().get(i), keepHeads[i]) : IntStream.range(0, l.attention().heads()).toArray();
            int[] neurons = unitPruning ? top(scores.neurons().get(i), keepNeurons[i]) : IntStream.range(0, l.ffn().width()).toArray();
            EncoderLayer p = l;
            if (heads.length < l.attention().heads()) {
                p = p.withAttention(l.attention().keepHeads(heads));
            }
            if (neurons.length < l.ffn().width()) {
                p = p.withFfn(l.ffn().keepNeurons(neurons));
            }
            pruned.add(p);
            keptHeads.add(heads);
            keptNeurons.add(neurons);
        }
        EncoderSpec result = spec.withLayers(pruned);
        return new StructuredPruneResult(result, layers, keptHeads, keptNeurons, spec.parameterCount(),
                result.parameterCount());
    }

    /** Indexes of the {@code k} highest scores, ascending (ties keep the lower index). */
    public static int[] top(double[] scores, int k) {
        int[] order = IntStream.range(0, scores.length).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -scores[i]).thenComparingInt(i -> i))
                .mapToInt(Integer::intValue).toArray();
        int[] kept = Arrays.copyOf(order, k);
        Arrays.sort(kept);
        return kept;
    }
}
