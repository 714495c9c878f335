package dev.nncj.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LatencyStatsTest {

    @Test
    void nearestRankOnTheTextbookExample() {
        // The worked example for the nearest-rank method: ranks ceil(p/100 * 5).
        double[] sorted = {15, 20, 35, 40, 50};
        assertThat(LatencyStats.nearestRank(sorted, 5)).isEqualTo(15);
        assertThat(LatencyStats.nearestRank(sorted, 30)).isEqualTo(20);
        assertThat(LatencyStats.nearestRank(sorted, 40)).isEqualTo(20);
        assertThat(LatencyStats.nearestRank(sorted, 50)).isEqualTo(35);
        assertThat(LatencyStats.nearestRank(sorted, 100)).isEqualTo(50);
        assertThat(LatencyStats.nearestRank(sorted, 0)).isEqualTo(15);
    }

    @Test
    void hundredSamplesGiveTheExpectedRanks() {
        double[] sorted = new double[100];
        for (int i = 0; i < sorted.length; i++) {
            sorted[i] = i + 1; // 1..100
        }
        assertThat(LatencyStats.nearestRank(sorted, 50)).isEqualTo(50);
        assertThat(LatencyStats.nearestRank(sorted, 90)).isEqualTo(90);
        assertThat(LatencyStats.nearestRank(sorted, 99)).isEqualTo(99);
        assertThat(LatencyStats.nearestRank(new double[] {7}, 99)).isEqualTo(7);
    }

    @Test
    void summarizesNanosInMilliseconds() {
        // 4, 1, 3, 2 ms unsorted: mean 2.5, min 1, max 4, p50 rank ceil(2) = 2 -> 2 ms
        LatencyStats stats = LatencyStats.ofNanos(new long[] {4_000_000, 1_000_000, 3_000_000, 2_000_000});
        assertThat(stats.samples()).isEqualTo(4);
        assertThat(stats.p50Ms()).isEqualTo(2.0);
        assertThat(stats.p90Ms()).isEqualTo(4.0);
        assertThat(stats.p99Ms()).isEqualTo(4.0);
        assertThat(stats.meanMs()).isCloseTo(2.5, within(1e-12));
        assertThat(stats.minMs()).isEqualTo(1.0);
        assertThat(stats.maxMs()).isEqualTo(4.0);
    }

    @Test
    void rejectsEmptyInputAndBadPercentiles() {
        assertThatThrownBy(() -> LatencyStats.ofNanos(new long[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LatencyStats.nearestRank(new double[] {1}, 101))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LatencyStats.nearestRank(new double[] {1}, Double.NaN))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
