package dev.nncj.eval.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ProportionsTest {

    @Test
    void wilsonForEightOutOfTenMatchesHandComputation() {
        // p = 0.8, z = 1.959964: centre = (0.8 + 0.19207) / 1.38415, half = 1.41601 * sqrt(0.0256036)
        Interval ci = Proportions.wilson95(8, 10);
        assertThat(ci.low()).isCloseTo(0.490162, within(1e-6));
        assertThat(ci.high()).isCloseTo(0.943318, within(1e-6));
    }

    @Test
    void wilsonStaysInsideUnitIntervalAtTheEdges() {
        Interval none = Proportions.wilson95(0, 10);
        assertThat(none.low()).isEqualTo(0.0);
        assertThat(none.high()).isCloseTo(0.277533, within(1e-6)); // z²/n / (1 + z²/n)
        Interval all = Proportions.wilson95(10, 10);
        assertThat(all.low()).isCloseTo(0.722467, within(1e-6));
        assertThat(all.high()).isLessThanOrEqualTo(1.0);
    }

    @Test
    void wilsonNarrowsWithMoreDataAndWidensWithConfidence() {
        Interval ci = Proportions.wilson95(850, 1000);
        assertThat(ci.low()).isCloseTo(0.826531, within(1e-6));
        assertThat(ci.high()).isCloseTo(0.870790, within(1e-6));
        assertThat(Proportions.wilson(850, 1000, 0.99).width()).isGreaterThan(ci.width());
    }

    @Test
    void rejectsImpossibleCounts() {
        assertThatThrownBy(() -> Proportions.wilson95(11, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Proportions.wilson95(0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Proportions.wilson(1, 2, 1.0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void normalQuantilesMatchTables() {
        assertThat(Normal.quantile(0.975)).isCloseTo(1.959964, within(1e-6));
        assertThat(Normal.quantile(0.5)).isCloseTo(0.0, within(1e-12));
        assertThat(Normal.quantile(0.001)).isCloseTo(-3.090232, within(1e-6));
        assertThat(Normal.twoSidedCritical(0.99)).isCloseTo(2.575829, within(1e-6));
    }
}
