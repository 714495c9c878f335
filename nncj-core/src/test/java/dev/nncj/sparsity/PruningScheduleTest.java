package dev.nncj.sparsity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class PruningScheduleTest {
    @Test
    void linearStepsAreEqualInSparsity() {
        assertThat(PruningSchedule.LINEAR.sparsityAt(0.9, 1, 3)).isCloseTo(0.3, within(1e-12));
        assertThat(PruningSchedule.LINEAR.sparsityAt(0.9, 2, 3)).isCloseTo(0.6, within(1e-12));
        assertThat(PruningSchedule.LINEAR.sparsityAt(0.9, 3, 3)).isEqualTo(0.9);
    }

    @Test
    void geometricRoundsRemoveTheSameShareOfWhatIsLeft() {
        double s = 0.92;
        double kept = 1;
        for (int r = 1; r <= 4; r++) {
            double now = 1 - PruningSchedule.GEOMETRIC.sparsityAt(s, r, 4);
            assertThat(now / kept).as("round %d", r).isCloseTo(Math.pow(1 - s, 0.25), within(1e-9));
            kept = now;
        }
        assertThat(PruningSchedule.GEOMETRIC.sparsityAt(s, 4, 4)).isEqualTo(s); // lands exactly on the target
    }

    @Test
    void patternsGetEveryRateScheduled() {
        PruningPattern.LayerRates rates = new PruningPattern.LayerRates(List.of(PruningPattern.LayerRate.parse("fc1=0.8")), 0.4);
        PruningPattern.LayerRates first = (PruningPattern.LayerRates) PruningSchedule.LINEAR.at(rates, 1, 2);
        assertThat(first.rates().get(0).sparsity()).isCloseTo(0.4, within(1e-12));
        assertThat(first.otherwise()).isCloseTo(0.2, within(1e-12));
        PruningPattern.Magnitude global = new PruningPattern.Magnitude(0.75, PruningPattern.Scope.GLOBAL);
        assertThat(PruningSchedule.GEOMETRIC.at(global, 1, 2))
                .isEqualTo(new PruningPattern.Magnitude(0.5, PruningPattern.Scope.GLOBAL));
        assertThatThrownBy(() -> PruningSchedule.LINEAR.at(new PruningPattern.NofM(2, 4), 1, 2)).hasMessageContaining("N:M");
        assertThatThrownBy(() -> PruningSchedule.parse("cubic")).hasMessage("schedule must be linear or geometric, not 'cubic'");
    }
}
