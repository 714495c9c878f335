package dev.nncj.transformer;

import dev.nncj.NncjException;
import dev.nncj.OptionName;
import java.util.List;
import java.util.Optional;

/**
 * What structured pruning removes: which layers stay (in the given order), how many heads each
 * layer keeps, what fraction of each layer's FFN neurons goes, and how units are ranked.
 *
 * @param keepLayers indexes of the original layers to keep, in order; empty keeps all
 * @param ffnRemoved fraction of FFN neurons removed per layer, in [0, 1): round(f * width)
 */
public record StructuredPruneOptions(Optional<List<Integer>> keepLayers, HeadPlan heads, double ffnRemoved,
                                     ImportanceScorer importance) {
    public StructuredPruneOptions {
        keepLayers = keepLayers.map(List::copyOf);
        requireFraction("ffn", ffnRemoved);
        if (keepLayers.isPresent() && keepLayers.get().isEmpty()) {
            throw new NncjException("keeping no layers leaves no encoder: keep at least one layer");
        }
    }

    public static StructuredPruneOptions none(ImportanceScorer importance) {
        return new StructuredPruneOptions(Optional.empty(), new HeadPlan.All(), 0, importance);
    }

    static void requireFraction(String what, double f) {
        if (!(f >= 0 && f < 1)) {
            throw new NncjException(what + " fraction must be in [0, 1), got " + f);
        }
    }

    /** The kept layers for a model with {@code layers} layers, from a list of layers to drop. */
    public static List<Integer> keepAllBut(List<Integer> drop, int layers) {
        for (int d : drop) {
            checkLayer(d, layers, OptionName.of("dropLayers"));
        }
        List<Integer> keep = new java.util.ArrayList<>();
        for (int i = 0; i < layers; i++) {
            if (!drop.contains(i)) {
                keep.add(i);
            }
        }
        if (keep.isEmpty()) {
            throw new NncjException("dropping every layer leaves no encoder: keep at least one layer");
        }
        return keep;
    }

    static void checkLayer(int index, int layers, OptionName what) {
        if (index < 0 || index >= layers) {
            throw new NncjException(what, ": layer " + index + " is out of range (the model has layers 0.."
                    + (layers - 1) + ")");
        }
    }
}
