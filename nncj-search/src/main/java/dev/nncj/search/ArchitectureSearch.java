package dev.nncj.search;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * The search: NSGA-II over the space at the cheap fidelity stage, then the final front promoted
 * through the dearer stages by successive halving (each stage but the last passes the better half
 * by Pareto rank on to the next, or all of it to QAT; the last stage's Pareto front is the result). Random search at the
 * same number of evaluations is the built-in baseline.
 *
 * <p>Resuming is replaying: the same seed proposes the same candidates in the same order, and a
 * candidate the journal already holds at a stage is read from it instead of evaluated again, so a
 * search killed at any point and restarted continues exactly where it was.
 */
public final class ArchitectureSearch {
    /** The phase's own order: the sort is stable, so no candidate moves. */
    private static final Comparator<Architecture> IN_ORDER = (a, b) -> 0;

    /**
     * @param population candidates per generation
     * @param generations generations after the initial sample (0: the sample alone)
     * @param finalists  how many of the final front are promoted to the next stage
     * @param stages     the fidelity stages, cheapest first; evolution runs on the first
     * @param randomBaseline sample as many candidates uniformly instead of evolving them
     */
    public record Settings(int population, int generations, int finalists, List<Fidelity> stages, long seed,
                           Budget budget, boolean randomBaseline) {
        public Settings {
            stages = List.copyOf(stages);
            if (population < 2 || generations < 0 || finalists < 1 || stages.isEmpty()) {
                throw new IllegalArgumentException("population >= 2, generations >= 0, finalists >= 1, one stage at least");
            }
        }
    }

    /** The result: the front at the last stage, and every score by stage. */
    public record Outcome(List<Scored> front, Map<Fidelity, List<Scored>> byStage, int evaluated, int replayed,
                          int failed) {}

    private final SearchSpace space;
    private final CandidateEvaluator evaluator;
    private final ToDoubleFunction<Architecture> latencyRatio;
    private final long teacherBytes;
    private final Journal journal;
    private final Settings settings;
    private final SearchListener listener;
    private final Map<String, JournalEntry> known = new HashMap<>();
    private final Map<Fidelity, List<Scored>> byStage = new HashMap<>();
    private int evaluated;
    private int replayed;
    private int failed;

    public ArchitectureSearch(SearchSpace space, CandidateEvaluator evaluator, ToDoubleFunction<Architecture> latencyRatio,
                              long teacherBytes, Journal journal, Settings settings, SearchListener listener) {
        this.space = space;
        this.evaluator = evaluator;
        this.latencyRatio = latencyRatio;
        this.teacherBytes = teacherBytes;
        this.journal = journal;
        this.settings = settings;
        this.listener = listener;
        for (JournalEntry e : journal.entries()) {
            known.put(key(e.architecture(), Fidelity.ofLabel(e.stage())), e);
        }
    }

    public Outcome run() {
        Random random = new Random(settings.seed());
        Evolution evolution = new Evolution(space, settings.budget(), random);
        Fidelity first = settings.stages().get(0);
        Set<String> seen = new HashSet<>();
        List<Scored> population;
        if (settings.randomBaseline()) {
            int count = settings.population() * (settings.generations() + 1);
            population = score(evolution.initial(count, seen), first, "random sample", IN_ORDER);
            population = new ParetoRanking(population, settings.budget()).fronts().get(0);
        } else {
            population = score(evolution.anchoredInitial(settings.population(), seen), first,
                    "generation 0/" + settings.generations(), IN_ORDER);
            for (int g = 1; g <= settings.generations(); g++) {
                List<Scored> union = new ArrayList<>(population);
                union.addAll(score(evolution.offspring(population, settings.population(), seen), first,
                        "generation " + g + "/" + settings.generations(), IN_ORDER));
                population = evolution.survivors(union, settings.population());
            }
        }
        List<Scored> front = frontOf(population, settings.finalists());
        List<Fidelity> dearer = settings.stages().subList(1, settings.stages().size());
        for (int i = 0; i < dearer.size(); i++) {
            Fidelity stage = dearer.get(i);
            List<Scored> promoted = score(front.stream().map(Scored::architecture).toList(), stage, stage.label() + " finalists",
                    mostPromisingFirst(front));
            // halving picks who goes on to the next stage (all go on to QAT); the last stage's every score may join the front
            boolean all = i == dearer.size() - 1 || dearer.get(i + 1).takesEveryFinalist();
            front = all ? promoted : frontOf(promoted, Math.max(1, (promoted.size() + 1) / 2));
        }
        List<Scored> finalFront = new ParetoRanking(front, settings.budget()).fronts().isEmpty() ? List.of()
                : new ParetoRanking(front, settings.budget()).fronts().get(0);
        return new Outcome(finalFront, Map.copyOf(byStage), evaluated, replayed, failed);
    }

    /**
     * Finalists are evaluated most promising first, within the budget and then by the last stage's
     * accuracy: a dearer stage takes hours per candidate, and a search stopped between two of them
     * should already hold the score of the one most likely to be chosen. Only the order of work
     * changes; who goes on, and the front, do not.
     */
    private Comparator<Architecture> mostPromisingFirst(List<Scored> finalists) {
        Map<Architecture, Objectives> lastStage = new HashMap<>();
        finalists.forEach(s -> lastStage.putIfAbsent(s.architecture(), s.objectives()));
        Comparator<Objectives> promise = Comparator.comparing((Objectives o) -> !settings.budget().admits(o))
                .thenComparing(Objectives::accuracy, Comparator.reverseOrder());
        return Comparator.comparing(lastStage::get, promise);
    }

    /** The best {@code n} of {@code scored} by Pareto rank and crowding. */
    private List<Scored> frontOf(List<Scored> scored, int n) {
        return scored.isEmpty() ? List.of() : new ParetoRanking(scored, settings.budget()).best(n);
    }

    /**
     * Scores a phase: the candidates the journal lacks go to the evaluator as one batch, in
     * {@code evaluationOrder} (stable: ties keep the phase's order), and each
     * result is journaled as it comes (in that order, whoever runs the batch); the phase is then
     * walked in candidate order, journaled candidates as far as the results have reached, so scores,
     * replays and listener calls come in the same order however the batch is run.
     */
    private List<Scored> score(List<Architecture> candidates, Fidelity stage, String phase,
                               Comparator<Architecture> evaluationOrder) {
        PhaseWalk walk = new PhaseWalk(candidates, stage, phase);
        List<Architecture> fresh = candidates.stream().filter(a -> !known.containsKey(key(a, stage))).distinct()
                .sorted(evaluationOrder).toList();
        walk.advance();
        Iterator<Architecture> expected = fresh.iterator();
        evaluator.evaluateAll(fresh, stage, r -> {
            if (!expected.hasNext() || !expected.next().equals(r.candidate())) {
                throw new IllegalStateException("the evaluator handed back " + r.candidate() + " out of order");
            }
            JournalEntry e = entry(r, stage);
            journal.append(e);
            known.put(key(r.candidate(), stage), e);
            walk.justEvaluated.add(key(r.candidate(), stage));
            evaluated++;
            walk.advance();
        });
        if (expected.hasNext()) {
            throw new IllegalStateException("the evaluator handed back no result for " + expected.next());
        }
        return walk.out;
    }

    /** The phase's candidates in order, each taken up once the journal holds it. */
    private final class PhaseWalk {
        private final List<Architecture> candidates;
        private final Fidelity stage;
        private final String phase;
        private final Set<String> justEvaluated = new HashSet<>();
        private final List<Scored> out = new ArrayList<>();
        private int done;

        PhaseWalk(List<Architecture> candidates, Fidelity stage, String phase) {
            this.candidates = candidates;
            this.stage = stage;
            this.phase = phase;
        }

        void advance() {
            while (done < candidates.size() && known.containsKey(key(candidates.get(done), stage))) {
                Architecture a = candidates.get(done);
                JournalEntry e = known.get(key(a, stage));
                if (!justEvaluated.remove(key(a, stage))) {
                    replayed++;
                }
                done++;
                if (e.isFailure()) {
                    failed++;
                } else {
                    Scored s = new Scored(a, e.objectives());
                    out.add(s);
                    byStage.computeIfAbsent(stage, k -> new ArrayList<>()).add(s);
                }
                listener.scored(phase, done, candidates.size(), e, bestWithinBudget(stage));
            }
        }
    }

    private JournalEntry entry(CandidateEvaluator.Result r, Fidelity stage) {
        if (r.isFailure()) {
            return JournalEntry.failed(r.candidate(), stage.label(), r.failure(), r.seconds());
        }
        CandidateEvaluator.Evaluation v = r.evaluation();
        Objectives o = new Objectives(v.accuracy(), latencyRatio.applyAsDouble(r.candidate()),
                (double) v.bytes() / teacherBytes);
        return JournalEntry.ok(r.candidate(), stage.label(), o, v.bytes(), r.seconds());
    }

    private Optional<Scored> bestWithinBudget(Fidelity stage) {
        return byStage.getOrDefault(stage, List.of()).stream()
                .filter(s -> settings.budget().admits(s.objectives()))
                .max(Comparator.comparingDouble(s -> s.objectives().accuracy()));
    }

    private static String key(Architecture a, Fidelity stage) {
        return stage.label() + " " + a;
    }
}
