package dev.nncj.eval.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class IntervalTest {

    @Test
    void formatsAndContains() {
        Interval i = new Interval(0.49016, 0.94332);
        assertThat(i.format(3)).isEqualTo("[0.490, 0.943]");
        assertThat(i.contains(0.8)).isTrue();
        assertThat(i.contains(0.95)).isFalse();
        assertThat(i.width()).isEqualTo(0.94332 - 0.49016);
    }

    @Test
    void rejectsReversedBounds() {
        assertThatThrownBy(() -> new Interval(1, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
