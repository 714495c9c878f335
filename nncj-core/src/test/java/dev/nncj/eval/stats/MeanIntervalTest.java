package dev.nncj.eval.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class MeanIntervalTest {

    @Test
    void smallSampleUsesStudentT() {
        // mean 3, sd sqrt(10/4) = 1.581139, t(4) = 2.776, half = 2.776 * 1.581139 / sqrt(5) = 1.962928
        MeanInterval m = MeanInterval.of(new double[] {3, 1, 5, 2, 4});
        assertThat(m.n()).isEqualTo(5);
        assertThat(m.mean()).isEqualTo(3.0);
        assertThat(m.sd()).isCloseTo(1.581139, within(1e-6));
        assertThat(m.min()).isEqualTo(1.0);
        assertThat(m.max()).isEqualTo(5.0);
        assertThat(m.ci95().low()).isCloseTo(3 - 1.962928, within(1e-6));
        assertThat(m.ci95().high()).isCloseTo(3 + 1.962928, within(1e-6));
    }

    @Test
    void thirtyValuesSwitchToNormal() {
        // 1..30: mean 15.5, sd 8.803408, half = 1.96 * 8.803408 / sqrt(30) = 3.150259 (t would give 3.2869)
        double[] values = IntStream.rangeClosed(1, 30).asDoubleStream().toArray();
        MeanInterval m = MeanInterval.of(values);
        assertThat(m.mean()).isEqualTo(15.5);
        assertThat(m.ci95().high() - m.mean()).isCloseTo(3.150259, within(1e-6));
        assertThat(MeanInterval.critical95(28)).isEqualTo(2.048);
        assertThat(MeanInterval.critical95(29)).isEqualTo(1.96);
    }

    @Test
    void singleValueHasNoSpread() {
        MeanInterval m = MeanInterval.of(new double[] {7});
        assertThat(m.mean()).isEqualTo(7.0);
        assertThat(m.sd()).isNaN();
        assertThat(m.ci95().low()).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(m.ci95().high()).isEqualTo(Double.POSITIVE_INFINITY);
    }

    @Test
    void constantSampleHasZeroWidthInterval() {
        MeanInterval m = MeanInterval.of(new double[] {0.5, 0.5, 0.5});
        assertThat(m.sd()).isEqualTo(0.0);
        assertThat(m.ci95()).isEqualTo(new Interval(0.5, 0.5));
    }

    @Test
    void emptyIsRejected() {
        assertThatThrownBy(() -> MeanInterval.of(new double[0])).isInstanceOf(IllegalArgumentException.class);
    }
}
