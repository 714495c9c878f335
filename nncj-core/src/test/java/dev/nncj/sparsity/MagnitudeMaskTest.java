package dev.nncj.sparsity;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class MagnitudeMaskTest {
    // a = [1, -2, 3, 4], b = [10, 20, -0.5, 30]
    private static final float[] A = {1, -2, 3, 4};
    private static final float[] B = {10, 20, -0.5f, 30};

    @Test
    void globalThresholdPrunesTheSmallestAcrossTensors() {
        // 8 weights, sparsity 0.5 -> 4 pruned: |w| sorted 0.5, 1, 2, 3 | 4, 10, 20, 30; threshold 3
        List<BitSet> masks = MagnitudeMask.smallest(List.of(A, B), MagnitudeMask.count(0.5, 8));
        assertThat(masks.get(0)).isEqualTo(bits(0, 1, 2)); // 1, -2, 3: a has the small weights
        assertThat(masks.get(1)).isEqualTo(bits(2));       // -0.5
    }

    @Test
    void perLayerThresholdPrunesTheSameShareOfEachTensor() {
        // each tensor: 4 weights, 0.5 -> 2 pruned. a: 1, -2 (threshold 2); b: -0.5, 10 (threshold 10)
        assertThat(MagnitudeMask.smallest(List.of(A), 2).get(0)).isEqualTo(bits(0, 1));
        assertThat(MagnitudeMask.smallest(List.of(B), 2).get(0)).isEqualTo(bits(2, 0));
    }

    @Test
    void tiesAtTheThresholdArePrunedInOrderUntilTheCountIsExact() {
        float[] w = {0, 0, 0, 0, 1, 1, 1, 1, 2, 2};
        // 0.6 of 10 = 6: the four zeros, then the first two ones
        BitSet mask = MagnitudeMask.smallest(List.of(w), MagnitudeMask.count(0.6, 10)).get(0);
        assertThat(mask).isEqualTo(bits(0, 1, 2, 3, 4, 5));
    }

    @Test
    void countUsesTheDecimalTheUserTyped() {
        assertThat(0.29 * 100).isLessThan(29); // why count() does not multiply doubles
        assertThat(MagnitudeMask.count(0.29, 100)).isEqualTo(29);
        assertThat(MagnitudeMask.count(0.8, 10)).isEqualTo(8);
        assertThat(MagnitudeMask.count(0.8, 7)).isEqualTo(5);
        assertThat(MagnitudeMask.count(0, 7)).isZero();
    }

    @Test
    void zeroSparsityPrunesNothing() {
        assertThat(MagnitudeMask.smallest(List.of(A, B), 0)).allSatisfy(m -> assertThat(m.isEmpty()).isTrue());
    }

    private static BitSet bits(int... set) {
        BitSet b = new BitSet();
        for (int i : set) {
            b.set(i);
        }
        return b;
    }
}
