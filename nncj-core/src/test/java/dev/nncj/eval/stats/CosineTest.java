package dev.nncj.eval.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class CosineTest {

    @Test
    void knownAngles() {
        assertThat(Cosine.similarity(new float[] {1, 0}, new float[] {0, 1})).isCloseTo(0.0, within(1e-12));
        assertThat(Cosine.similarity(new float[] {1, 2, 3}, new float[] {2, 4, 6})).isCloseTo(1.0, within(1e-12));
        assertThat(Cosine.similarity(new float[] {1, 2, 3}, new float[] {-1, -2, -3})).isCloseTo(-1.0, within(1e-12));
        // 32 / sqrt(14 * 77)
        assertThat(Cosine.similarity(new float[] {1, 2, 3}, new float[] {4, 5, 6})).isCloseTo(0.974632, within(1e-6));
    }

    @Test
    void zeroVectorIsZero() {
        assertThat(Cosine.similarity(new float[] {0, 0}, new float[] {1, 1})).isEqualTo(0.0);
    }

    @Test
    void lengthMismatchIsRejected() {
        assertThatThrownBy(() -> Cosine.similarity(new float[2], new float[3]))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
