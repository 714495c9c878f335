package dev.nncj.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class KendallTauTest {
    @Test
    void sameOrderReversedOrderAndOneSwap() {
        double[] a = {0.1, 0.2, 0.3, 0.4};
        assertThat(KendallTau.of(a, new double[] {1, 2, 3, 4})).isEqualTo(1.0);
        assertThat(KendallTau.of(a, new double[] {4, 3, 2, 1})).isEqualTo(-1.0);
        // one discordant pair of six: (5 - 1) / 6
        assertThat(KendallTau.of(a, new double[] {2, 1, 3, 4})).isCloseTo(4.0 / 6, within(1e-12));
    }

    @Test
    void tiesCountAsTauB() {
        // pairs: (0,1) tied in b only; the other five concordant: 5 / sqrt(6 * 5)
        assertThat(KendallTau.of(new double[] {1, 2, 3, 4}, new double[] {1, 1, 3, 4}))
                .isCloseTo(5 / Math.sqrt(30), within(1e-12));
    }
}
