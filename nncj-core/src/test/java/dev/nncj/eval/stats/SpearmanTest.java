package dev.nncj.eval.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class SpearmanTest {

    @Test
    void tiesGetAverageRanks() {
        assertThat(Spearman.averageRanks(new double[] {30, 10, 20, 20, 40}))
                .containsExactly(4, 1, 2.5, 2.5, 5);
        assertThat(Spearman.averageRanks(new double[] {5, 5, 5})).containsExactly(2, 2, 2);
    }

    @Test
    void handRankedExampleWithTies() {
        // ranks x: 1, 2.5, 2.5, 4, 5 ; ranks y: 1, 3, 2, 5, 4 ; both mean 3
        // deviations x: -2, -.5, -.5, 1, 2 ; y: -2, 0, -1, 2, 1
        // cov = 4 + 0 + .5 + 2 + 2 = 8.5 ; var x = 9.5 ; var y = 10 ; rho = 8.5 / sqrt(95) = 0.872082
        // CI: z = atanh(rho), se = 1.06 / sqrt(2) -> [tanh(z - 1.96 se), tanh(z + 1.96 se)]
        Spearman s = Spearman.correlation(new double[] {10, 20, 20, 30, 40}, new double[] {1, 3, 2, 5, 4});
        assertThat(s.n()).isEqualTo(5);
        assertThat(s.rho()).isCloseTo(0.872082, within(1e-6));
        assertThat(s.ci95().low()).isCloseTo(-0.126694, within(1e-6));
        assertThat(s.ci95().high()).isCloseTo(0.992788, within(1e-6));
    }

    @Test
    void perfectAndReversedRankingsAreOneAndMinusOne() {
        double[] x = {1, 2, 3, 4, 5, 6, 7, 8};
        double[] monotone = {0.1, 0.4, 0.9, 1.6, 2.5, 3.6, 4.9, 6.4}; // not linear, still rank-perfect
        double[] reversed = {8, 7, 6, 5, 4, 3, 2, 1};
        Spearman up = Spearman.correlation(x, monotone);
        assertThat(up.rho()).isEqualTo(1.0);
        assertThat(up.ci95()).isEqualTo(new Interval(1, 1));
        Spearman down = Spearman.correlation(x, reversed);
        assertThat(down.rho()).isEqualTo(-1.0);
        assertThat(down.ci95()).isEqualTo(new Interval(-1, -1));
    }

    @Test
    void tooFewPairsGiveTheWholeInterval() {
        Spearman s = Spearman.correlation(new double[] {1, 2, 3}, new double[] {1, 3, 2});
        assertThat(s.rho()).isCloseTo(0.5, within(1e-12));
        assertThat(s.ci95()).isEqualTo(new Interval(-1, 1));
    }

    @Test
    void constantSeriesIsUndefined() {
        Spearman s = Spearman.correlation(new double[] {1, 1, 1, 1}, new double[] {1, 2, 3, 4});
        assertThat(s.rho()).isNaN();
        assertThat(s.ci95().low()).isNaN();
    }

    @Test
    void rejectsMismatchedLengths() {
        assertThatThrownBy(() -> Spearman.correlation(new double[] {1, 2}, new double[] {1, 2, 3}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("x has 2 values but y has 3");
    }
}
