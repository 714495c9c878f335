package dev.nncj.search;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * NSGA-II's variation step: parents by binary tournament on the crowded comparison, a child by
 * crossover (probability {@link #CROSSOVER}) then one mutation, repeated until the child is new.
 * Deterministic for a given seed and history, so a resumed search proposes what the killed one
 * would have.
 */
public final class Evolution {
    static final double CROSSOVER = 0.9;
    /** Tries for a child nobody evaluated before; a small space may be exhausted. */
    private static final int TRIES = 200;

    private final SearchSpace space;
    private final Budget budget;
    private final Random random;

    public Evolution(SearchSpace space, Budget budget, Random random) {
        this.space = space;
        this.budget = budget;
        this.random = random;
    }

    /** {@code count} distinct candidates sampled uniformly, none of them in {@code seen}. */
    public List<Architecture> initial(int count, Set<String> seen) {
        List<Architecture> out = new ArrayList<>();
        for (int t = 0; t < count * TRIES && out.size() < count; t++) {
            Architecture a = space.sample(random);
            if (seen.add(a.toString())) {
                out.add(a);
            }
        }
        return out;
    }

    /**
     * The first generation: the teacher whole in each numeric form, with the most compact word table
     * the space allows (the accurate end of the front, which uniform samples of a space of partial
     * models almost never draw: measured on MiniLM, 80 of them held no full-width model), then
     * uniform samples up to {@code count}.
     */
    public List<Architecture> anchoredInitial(int count, Set<String> seen) {
        List<Architecture> out = new ArrayList<>();
        TokenTableForm compact = space.tables().stream().max(java.util.Comparator.naturalOrder()).orElseThrow();
        for (NumericForm form : space.forms()) {
            Architecture whole = space.full(form, compact);
            if (out.size() < count && seen.add(whole.toString())) {
                out.add(whole);
            }
        }
        out.addAll(initial(count - out.size(), seen));
        return out;
    }

    /** {@code count} new children of {@code population}; fewer only when the space is exhausted. */
    public List<Architecture> offspring(List<Scored> population, int count, Set<String> seen) {
        ParetoRanking ranking = new ParetoRanking(population, budget);
        List<Architecture> out = new ArrayList<>();
        for (int t = 0; t < count * TRIES && out.size() < count; t++) {
            Architecture a = tournament(population, ranking).architecture();
            Architecture child = random.nextDouble() < CROSSOVER
                    ? space.crossover(a, tournament(population, ranking).architecture(), random) : a;
            child = space.mutate(child, random);
            if (space.contains(child) && seen.add(child.toString())) {
                out.add(child);
            }
        }
        return out;
    }

    /** The next population: the best {@code size} of parents and children together. */
    public List<Scored> survivors(List<Scored> parentsAndChildren, int size) {
        return new ParetoRanking(parentsAndChildren, budget).best(size);
    }

    private Scored tournament(List<Scored> population, ParetoRanking ranking) {
        Scored a = population.get(random.nextInt(population.size()));
        Scored b = population.get(random.nextInt(population.size()));
        return ranking.compare(a, b) <= 0 ? a : b;
    }
}
