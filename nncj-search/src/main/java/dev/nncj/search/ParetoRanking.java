package dev.nncj.search;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * NSGA-II's ordering of scored candidates (Deb et al. 2002): fronts by constrained domination,
 * then crowding distance within a front. Under a budget a candidate within it beats one outside,
 * and of two outside the less infeasible wins, so the search walks towards the budget first.
 */
public final class ParetoRanking {
    private final Budget budget;
    private final List<Scored> scored;
    private final Map<Scored, Integer> rank = new IdentityHashMap<>();
    private final Map<Scored, Double> crowding = new IdentityHashMap<>();
    private final List<List<Scored>> fronts = new ArrayList<>();

    public ParetoRanking(List<Scored> scored, Budget budget) {
        this.budget = budget;
        this.scored = List.copyOf(scored);
        sortIntoFronts();
        fronts.forEach(this::assignCrowding);
    }

    /** The fronts, best first; front 0 is the Pareto front (within budget when any candidate is). */
    public List<List<Scored>> fronts() {
        return fronts;
    }

    /** The {@code n} best: whole fronts in order, the last one cut by crowding distance. */
    public List<Scored> best(int n) {
        List<Scored> kept = new ArrayList<>();
        for (List<Scored> front : fronts) {
            if (kept.size() + front.size() <= n) {
                kept.addAll(front);
            } else {
                front.stream().sorted(Comparator.comparingDouble((Scored s) -> crowding.get(s)).reversed())
                        .limit(n - kept.size()).forEach(kept::add);
                break;
            }
        }
        return kept;
    }

    /** Crowded comparison: lower rank first, then larger crowding distance. Negative when a is better. */
    public int compare(Scored a, Scored b) {
        int byRank = Integer.compare(rank.get(a), rank.get(b));
        return byRank != 0 ? byRank : Double.compare(crowding.get(b), crowding.get(a));
    }

    boolean constrainedDominates(Scored a, Scored b) {
        double va = budget.violation(a.objectives());
        double vb = budget.violation(b.objectives());
        if (va == 0 && vb == 0) {
            return a.objectives().dominates(b.objectives());
        }
        return va < vb;
    }

    private void sortIntoFronts() {
        int n = scored.size();
        List<List<Integer>> dominated = new ArrayList<>();
        int[] dominatedBy = new int[n];
        List<Integer> current = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            dominated.add(new ArrayList<>());
            for (int j = 0; j < n; j++) {
                if (i != j && constrainedDominates(scored.get(i), scored.get(j))) {
                    dominated.get(i).add(j);
                } else if (i != j && constrainedDominates(scored.get(j), scored.get(i))) {
                    dominatedBy[i]++;
                }
            }
            if (dominatedBy[i] == 0) {
                current.add(i);
            }
        }
        while (!current.isEmpty()) {
            List<Scored> front = new ArrayList<>();
            List<Integer> next = new ArrayList<>();
            for (int i : current) {
                front.add(scored.get(i));
                rank.put(scored.get(i), fronts.size());
                for (int j : dominated.get(i)) {
                    if (--dominatedBy[j] == 0) {
                        next.add(j);
                    }
                }
            }
            fronts.add(front);
            current = next;
        }
    }

    /** Sum over objectives of the normalized gap between each candidate's neighbours; ends are infinite. */
    private void assignCrowding(List<Scored> front) {
        front.forEach(s -> crowding.put(s, 0.0));
        List<java.util.function.ToDoubleFunction<Objectives>> objectives = List.of(
                Objectives::accuracy, Objectives::latencyRatio, Objectives::sizeRatio);
        for (var objective : objectives) {
            List<Scored> sorted = new ArrayList<>(front);
            sorted.sort(Comparator.comparingDouble(s -> objective.applyAsDouble(s.objectives())));
            double low = objective.applyAsDouble(sorted.get(0).objectives());
            double high = objective.applyAsDouble(sorted.get(sorted.size() - 1).objectives());
            crowding.put(sorted.get(0), Double.POSITIVE_INFINITY);
            crowding.put(sorted.get(sorted.size() - 1), Double.POSITIVE_INFINITY);
            if (high == low) {
                continue;
            }
            for (int i = 1; i < sorted.size() - 1; i++) {
                double gap = objective.applyAsDouble(sorted.get(i + 1).objectives())
                        - objective.applyAsDouble(sorted.get(i - 1).objectives());
                crowding.merge(sorted.get(i), gap / (high - low), Double::sum);
            }
        }
    }
}
