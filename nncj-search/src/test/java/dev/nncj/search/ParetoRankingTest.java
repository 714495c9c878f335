package dev.nncj.search;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class ParetoRankingTest {
    private static Scored point(String name, double accuracy, double latency, double size) {
        return new Scored(Architecture.parse("layers " + name + " heads 1 ffn 1 fp32 table-fp32"),
                new Objectives(accuracy, latency, size));
    }

    @Test
    void frontsFollowDomination() {
        Scored best = point("0", 0.9, 0.5, 0.5);
        Scored fastOnly = point("1", 0.7, 0.1, 0.5);
        Scored dominatedByBest = point("2", 0.8, 0.6, 0.6);
        Scored dominatedByAll = point("3", 0.6, 0.7, 0.7);
        ParetoRanking ranking = new ParetoRanking(List.of(dominatedByAll, best, dominatedByBest, fastOnly), Budget.none());
        assertThat(ranking.fronts()).hasSize(3);
        assertThat(ranking.fronts().get(0)).containsExactlyInAnyOrder(best, fastOnly);
        assertThat(ranking.fronts().get(1)).containsExactly(dominatedByBest);
        assertThat(ranking.fronts().get(2)).containsExactly(dominatedByAll);
        assertThat(ranking.best(3)).containsExactlyInAnyOrder(best, fastOnly, dominatedByBest);
    }

    @Test
    void withinBudgetBeatsOutsideItAndTheLessInfeasibleLeadsOutside() {
        Budget budget = new Budget(OptionalDouble.of(0.3), OptionalDouble.empty());
        Scored accurateButSlow = point("0", 0.95, 0.9, 0.1);
        Scored nearlyFastEnough = point("1", 0.5, 0.35, 0.9);
        Scored fastEnough = point("2", 0.4, 0.3, 0.9);
        ParetoRanking ranking = new ParetoRanking(List.of(accurateButSlow, nearlyFastEnough, fastEnough), budget);
        assertThat(ranking.fronts()).containsExactly(List.of(fastEnough), List.of(nearlyFastEnough), List.of(accurateButSlow));
    }

    @Test
    void theCrowdedMiddleIsCutFirst() {
        Scored low = point("0", 0.5, 0.1, 0.5);
        Scored crowded = point("1", 0.69, 0.29, 0.5);
        Scored lonely = point("2", 0.8, 0.6, 0.5);
        Scored middle = point("3", 0.7, 0.3, 0.5);
        Scored high = point("4", 0.9, 0.9, 0.5);
        ParetoRanking ranking = new ParetoRanking(List.of(low, crowded, lonely, middle, high), Budget.none());
        assertThat(ranking.fronts()).hasSize(1);
        // the ends are always kept; of the inner three, the two crowded together lose to the lonely one
        assertThat(ranking.best(3)).containsExactlyInAnyOrder(low, high, lonely);
    }
}
