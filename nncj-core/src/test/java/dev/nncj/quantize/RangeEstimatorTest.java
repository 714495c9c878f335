package dev.nncj.quantize;

import static org.assertj.core.api.Assertions.assertThat;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class RangeEstimatorTest {
    @Test
    void percentileClipsEachTailByHalfOfWhatIsLeftOut() {
        // 100 bins over [0, 100): bin i holds 1 value, except an outlier bin 99 with 1 too.
        long[] hist = new long[100];
        java.util.Arrays.fill(hist, 1);
        // 98% kept: 1% of 100 = 1 value cut from each tail -> [1, 99]
        float[] r = RangeEstimator.percentile(hist, 0, 100, 98);
        assertThat(r[0]).isEqualTo(1f);
        assertThat(r[1]).isEqualTo(99f);
        // 100% keeps everything
        assertThat(RangeEstimator.percentile(hist, 0, 100, 100)).containsExactly(0f, 100f);
    }

    @Test
    void entropyClipsARareFarOutlierButKeepsTheBulk() {
        // bulk: a smooth mass over the first 1000 bins; one value at the very end (bin 2047)
        long[] hist = new long[RangeEstimator.BINS];
        for (int i = 0; i < 1000; i++) {
            hist[i] = 1000 - i;
        }
        hist[RangeEstimator.BINS - 1] = 1;
        float t = RangeEstimator.entropyThreshold(hist, 2048f); // bin width 1
        assertThat(t).isLessThan(1100f).isGreaterThan(600f);
        // with no outlier and mass up to the end, nothing is clipped
        long[] flat = new long[RangeEstimator.BINS];
        java.util.Arrays.fill(flat, 5);
        assertThat(RangeEstimator.entropyThreshold(flat, 2048f)).isCloseTo(2048.5f, Offset.offset(1f));
    }
}
