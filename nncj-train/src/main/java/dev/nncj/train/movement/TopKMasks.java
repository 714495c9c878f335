package dev.nncj.train.movement;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.nncj.sparsity.PruningPattern;
import java.util.ArrayList;
import java.util.List;

/**
 * Movement pruning's hard top-k (Sanh et al. 2020, eq. 3 with "Top_v"): from importance scores, a
 * 0/1 mask keeping the highest-scoring units. A unit is one score element and stands for
 * {@code unitWeights} weights (1 for unstructured scores, 2H for an FFN neuron, 4Hd for a head), so
 * the budget is counted in weights: round(remaining * N) for the N weights the scores govern, and
 * the best units are kept while their weights fit. With one unit size that is exactly
 * floor(round(remaining * N) / size) units (round(remaining * N) weights when unstructured); ties are
 * broken by torch's top-k, identically for the same scores.
 *
 * <p>Masks are computed without gradient: the straight-through estimator gives the scores theirs.
 */
final class TopKMasks {
    private TopKMasks() {}

    /**
     * One mask per score array (same shape, float32). {@code GLOBAL} ranks all units together,
     * {@code PER_LAYER} each score array by itself.
     */
    static List<NDArray> compute(List<NDArray> scores, long[] unitWeights, PruningPattern.Scope scope, double remaining) {
        if (scope == PruningPattern.Scope.GLOBAL) {
            return group(scores, unitWeights, remaining);
        }
        List<NDArray> masks = new ArrayList<>();
        for (int i = 0; i < scores.size(); i++) {
            masks.addAll(group(List.of(scores.get(i)), new long[] {unitWeights[i]}, remaining));
        }
        return masks;
    }

    /** Weights within the budget of {@code remaining}: round(remaining * n). */
    static long budget(double remaining, long weights) {
        return Math.round(remaining * weights);
    }

    private static List<NDArray> group(List<NDArray> scores, long[] unitWeights, double remaining) {
        NDList flat = new NDList();
        long weights = 0;
        for (int i = 0; i < scores.size(); i++) {
            flat.add(scores.get(i).stopGradient().toType(DataType.FLOAT32, false).flatten());
            weights += scores.get(i).size() * unitWeights[i];
        }
        NDArray all = flat.size() == 1 ? flat.get(0) : NDArrays.concat(flat);
        long budget = budget(remaining, weights);
        boolean uniform = java.util.Arrays.stream(unitWeights).allMatch(w -> w == unitWeights[0]);
        NDArray mask = uniform ? uniformMask(all, budget / unitWeights[0]) : weightedMask(all, scores, unitWeights, budget);
        List<NDArray> out = new ArrayList<>();
        long offset = 0;
        for (NDArray s : scores) {
            out.add(mask.get(offset + ":" + (offset + s.size())).reshape(s.getShape()));
            offset += s.size();
        }
        return out;
    }

    /**
     * The {@code keep} highest scores. torch's top-k costs more the larger k is, so above half the
     * units the smallest are found and dropped instead (10 M scores: one top-k per step either way).
     */
    private static NDArray uniformMask(NDArray all, long keep) {
        long units = all.size();
        if (keep >= units) {
            return all.onesLike();
        }
        if (keep <= 0) {
            return all.zerosLike();
        }
        boolean dropSmallest = keep > units / 2;
        long chosen = dropSmallest ? units - keep : keep;
        NDArray index = all.topK((int) chosen, 0, !dropSmallest, false).get(1);
        NDArray base = dropSmallest ? all.onesLike() : all.zerosLike();
        NDArray value = dropSmallest ? all.getManager().zeros(new Shape(chosen)) : all.getManager().ones(new Shape(chosen));
        return base.scatter(index, value, 0);
    }

    /** Units of different sizes: best first, kept while the running total of their weights fits. */
    private static NDArray weightedMask(NDArray all, List<NDArray> scores, long[] unitWeights, long budget) {
        long[] sizes = new long[(int) all.size()];
        int pos = 0;
        for (int i = 0; i < scores.size(); i++) {
            for (long j = 0; j < scores.get(i).size(); j++) {
                sizes[pos++] = unitWeights[i];
            }
        }
        NDArray order = all.argSort(0, false);
        NDArray running = all.getManager().create(sizes).gather(order, 0).cumSum(0);
        NDArray kept = running.lte(budget).toType(DataType.FLOAT32, false);
        return all.zerosLike().scatter(order, kept, 0);
    }
}
