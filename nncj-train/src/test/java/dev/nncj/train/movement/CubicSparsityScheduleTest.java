package dev.nncj.train.movement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class CubicSparsityScheduleTest {
    /** r_f = 0.1, T = 100, t_w = 10, t_c = 20: the cubic runs over the 70 steps 10..79. */
    private final CubicSparsitySchedule schedule = new CubicSparsitySchedule(0.1, 10, 20, 100);

    @Test
    void fullDensityDuringWarmUp() {
        assertThat(schedule.remainingAt(0)).isEqualTo(1.0);
        assertThat(schedule.remainingAt(9)).isEqualTo(1.0);
        assertThat(schedule.remainingAt(10)).isEqualTo(1.0); // the cubic starts at 1
    }

    @Test
    void cubicBetweenWarmUpAndCoolDown() {
        // t = 17: 1 - 7/70 = 0.9, 0.1 + 0.9 * 0.729 = 0.7561
        assertThat(schedule.remainingAt(17)).isCloseTo(0.7561, within(1e-12));
        // t = 45: halfway, 0.1 + 0.9 * 0.125 = 0.2125
        assertThat(schedule.remainingAt(45)).isCloseTo(0.2125, within(1e-12));
        // t = 79: 1 - 69/70 = 1/70, 0.1 + 0.9 / 343000
        assertThat(schedule.remainingAt(79)).isCloseTo(0.1 + 0.9 / 343000, within(1e-15));
    }

    @Test
    void finalDensityDuringCoolDown() {
        assertThat(schedule.firstFinalStep()).isEqualTo(80);
        assertThat(schedule.remainingAt(80)).isEqualTo(0.1);
        assertThat(schedule.remainingAt(99)).isEqualTo(0.1);
    }

    @Test
    void fractionsRoundToSteps() {
        CubicSparsitySchedule s = CubicSparsitySchedule.of(0.5, 0.1, 0.2, 33);
        assertThat(s.warmupSteps()).isEqualTo(3);
        assertThat(s.cooldownSteps()).isEqualTo(7);
        // no pruning phase at all: straight from dense to the final fraction
        assertThat(new CubicSparsitySchedule(0.3, 2, 3, 5).remainingAt(2)).isEqualTo(0.3);
    }

    @Test
    void impossibleSchedulesAreRefused() {
        assertThatThrownBy(() -> new CubicSparsitySchedule(0, 0, 0, 10)).hasMessageContaining("(0, 1]");
        assertThatThrownBy(() -> new CubicSparsitySchedule(0.5, 6, 5, 10)).hasMessageContaining("fit in the 10 steps");
    }
}
