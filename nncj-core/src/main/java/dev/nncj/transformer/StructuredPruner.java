package dev.nncj.transformer;

import dev.nncj.NncjException;
import dev.nncj.OptionName;
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
            StructuredPruneOptions.checkLayer(i, n, OptionName.of("keepLayers"));
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
        requireSharingKept(selected.layers(), layers, keepHeads, keepNeurons);
        return new Plan(selected, layers, keepHeads, keepNeurons);
    }

    /**
     * Layers sharing their weights (ALBERT) are pruned as one: each use must keep as many units,
     * and a layer sharing only some weights with another is refused (pruning would untie them).
     */
    private static void requireSharingKept(List<EncoderLayer> selected, List<Integer> layers, int[] keepHeads,
                                           int[] keepNeurons) {
        java.util.Optional<int[]> partial = SharedWeights.partiallyShared(selected);
        if (partial.isPresent()) {
            throw new NncjException("layers " + layers.get(partial.get()[0]) + " and " + layers.get(partial.get()[1])
                    + " share some weights but not all: structured pruning would untie them");
        }
        for (int i = 0; i < selected.size(); i++) {
            int first = selected.indexOf(selected.get(i));
            if (keepHeads[i] != keepHeads[first] || keepNeurons[i] != keepNeurons[first]) {
                throw new NncjException("layers " + layers.get(first) + " and " + layers.get(i) + " share their weights"
                        + " and must keep the same units: " + keepHeads[first] + " vs " + keepHeads[i] + " heads, "
                        + keepNeurons[first] + " vs " + keepNeurons[i] + " FFN neurons");
            }
        }
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
        // a layer object used at several depths is pruned once, by its scores summed over its uses
        java.util.Map<EncoderLayer, Integer> firstUse = new java.util.IdentityHashMap<>();
        for (int i = 0; i < layers.size(); i++) {
            EncoderLayer l = selected.layers().get(i);
            Integer first = firstUse.putIfAbsent(l, i);
            if (first != null) {
                pruned.add(pruned.get(first));
                keptHeads.add(keptHeads.get(first));
                keptNeurons.add(keptNeurons.get(first));
                continue;
            }
            int[] heads = unitPruning ? top(summedOverUses(scores.heads(), selected.layers(), i), keepHeads[i])
                    : IntStream.range(0, l.attention().heads()).toArray();
            int[] neurons = unitPruning ? top(summedOverUses(scores.neurons(), selected.layers(), i), keepNeurons[i])
                    : IntStream.range(0, l.ffn().width()).toArray();
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

    /** The scores of layer {@code i} added up over every depth that uses the same layer object. */
    private static double[] summedOverUses(List<double[]> scores, List<EncoderLayer> layers, int i) {
        double[] sum = new double[scores.get(i).length];
        for (int j = 0; j < layers.size(); j++) {
            if (layers.get(j) == layers.get(i)) {
                for (int k = 0; k < sum.length; k++) {
                    sum[k] += scores.get(j)[k];
                }
            }
        }
        return sum;
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
