package dev.nncj.search;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EvolutionTest {
    /**
     * A stand-in for evaluation with a known answer: accuracy grows with kept capacity but with
     * diminishing returns and prefers early layers; latency and size are proportional to capacity.
     */
    private static Objectives toy(Architecture a) {
        double capacity = 0;
        double quality = 0;
        for (LayerChoice c : a.layers()) {
            capacity += c.heads() / 12.0 + c.ffn() / 1536.0;
            quality += (c.heads() / 12.0 + c.ffn() / 1536.0) / (1 + c.source());
        }
        double accuracy = 1 - Math.exp(-quality) - (a.form() == NumericForm.FP32 ? 0 : 0.01);
        double speed = a.form() == NumericForm.FP32 ? 1 : 0.5;
        double size = a.form() == NumericForm.FP32 ? 1 : 0.25;
        return new Objectives(accuracy, capacity / 12 * speed, capacity / 12 * size);
    }

    private static List<Scored> score(List<Architecture> as) {
        return as.stream().map(a -> new Scored(a, toy(a))).toList();
    }

    private static double hypervolume(List<Scored> population) {
        return Hypervolume.of(population.stream().map(Scored::objectives).toList(), 0, 1, 1);
    }

    private static List<Scored> search(long seed, int generations) {
        Evolution evolution = new Evolution(SearchSpaceTest.miniLm(), Budget.none(), new Random(seed));
        Set<String> seen = new HashSet<>();
        List<Scored> population = score(evolution.initial(16, seen));
        for (int g = 0; g < generations; g++) {
            List<Scored> union = new ArrayList<>(population);
            union.addAll(score(evolution.offspring(population, 16, seen)));
            population = evolution.survivors(union, 16);
        }
        return population;
    }

    @Test
    void theSameSeedProposesTheSameCandidates() {
        assertThat(search(5, 4)).isEqualTo(search(5, 4));
        assertThat(search(5, 4)).isNotEqualTo(search(6, 4));
    }

    @Test
    void generationsImproveTheFrontBeyondTheInitialSample() {
        double initial = hypervolume(search(11, 0));
        double evolved = hypervolume(search(11, 15));
        assertThat(evolved).isGreaterThan(initial * 1.05);
    }

    @Test
    void childrenAreNeverCandidatesSeenBefore() {
        Evolution evolution = new Evolution(SearchSpaceTest.miniLm(), Budget.none(), new Random(2));
        Set<String> seen = new HashSet<>();
        List<Scored> population = score(evolution.initial(10, seen));
        Set<String> before = new HashSet<>(seen);
        List<Architecture> children = evolution.offspring(population, 10, seen);
        assertThat(children).hasSize(10).allSatisfy(c -> assertThat(before).doesNotContain(c.toString()));
        assertThat(children.stream().map(Architecture::toString).distinct()).hasSize(10);
    }

    @Test
    void theFirstGenerationHoldsTheWholeTeacherInEveryNumericFormWithTheMostCompactTable() {
        SearchSpace space = SearchSpaceTest.miniLm();
        Set<String> seen = new HashSet<>();
        List<Architecture> first = new Evolution(space, Budget.none(), new Random(3)).anchoredInitial(16, seen);
        assertThat(first).hasSize(16).doesNotHaveDuplicates();
        TokenTableForm compact = space.tables().get(space.tables().size() - 1);
        assertThat(compact).isEqualTo(TokenTableForm.INT4_HALF_RANK);
        assertThat(first.subList(0, space.forms().size()))
                .containsExactlyElementsOf(space.forms().stream().map(f -> space.full(f, compact)).toList());
        assertThat(seen).hasSize(16);
        // a population too small for every anchor gets as many as fit, and nothing else
        assertThat(new Evolution(space, Budget.none(), new Random(3)).anchoredInitial(2, new HashSet<>())).hasSize(2)
                .allSatisfy(a -> assertThat(a.depth()).isEqualTo(space.teacherDepth()));
    }
}
