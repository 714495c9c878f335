package dev.nncj.sparsity;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.BitSet;
import org.junit.jupiter.api.Test;

class NmMaskTest {
    private static final PruningPattern.NofM TWO_FOUR = new PruningPattern.NofM(2, 4);

    @Test
    void matMulWeightIsGroupedDownEachColumn() {
        // B[K=8, N=3]: groups are 4 consecutive rows of one column (the reduction axis is 0)
        float[] w = SparseModels.gaussian(24, 7);
        BitSet mask = NmMask.of(w, new long[] {8, 3}, 0, TWO_FOUR).orElseThrow();
        for (int col = 0; col < 3; col++) {
            for (int g = 0; g < 8; g += 4) {
                int[] group = new int[4];
                for (int j = 0; j < 4; j++) {
                    group[j] = (g + j) * 3 + col;
                }
                checkGroup(w, mask, group, 2);
            }
        }
        assertThat(mask.cardinality()).isEqualTo(12);
    }

    @Test
    void transposedGemmWeightIsGroupedAlongEachRow() {
        // B[N=3, K=8] with transB: groups are 4 consecutive elements of one row
        float[] w = SparseModels.gaussian(24, 8);
        BitSet mask = NmMask.of(w, new long[] {3, 8}, 1, TWO_FOUR).orElseThrow();
        for (int row = 0; row < 3; row++) {
            for (int g = 0; g < 8; g += 4) {
                int base = row * 8 + g;
                checkGroup(w, mask, new int[] {base, base + 1, base + 2, base + 3}, 2);
            }
        }
    }

    @Test
    void convWeightIsGroupedAlongInputChannels() {
        // W[O=2, C=8, 3, 3]: for each (o, kh, kw), 4 consecutive input channels, stride 9
        float[] w = SparseModels.gaussian(2 * 8 * 9, 9);
        PruningPattern.NofM oneOfFour = new PruningPattern.NofM(1, 4);
        BitSet mask = NmMask.of(w, new long[] {2, 8, 3, 3}, 1, oneOfFour).orElseThrow();
        for (int o = 0; o < 2; o++) {
            for (int k = 0; k < 9; k++) {
                for (int c = 0; c < 8; c += 4) {
                    int base = o * 72 + c * 9 + k;
                    checkGroup(w, mask, new int[] {base, base + 9, base + 18, base + 27}, 3);
                }
            }
        }
        assertThat(mask.cardinality()).isEqualTo(2 * 8 * 9 * 3 / 4);
    }

    @Test
    void aReductionAxisThatIsNotAMultipleOfMIsLeftAlone() {
        assertThat(NmMask.of(new float[18], new long[] {6, 3}, 0, TWO_FOUR)).isEmpty();
    }

    /** Exactly {@code pruned} of the group are masked, and each is no larger than any kept one. */
    private static void checkGroup(float[] w, BitSet mask, int[] group, int pruned) {
        float maxPruned = 0;
        float minKept = Float.MAX_VALUE;
        int count = 0;
        for (int i : group) {
            if (mask.get(i)) {
                count++;
                maxPruned = Math.max(maxPruned, Math.abs(w[i]));
            } else {
                minKept = Math.min(minKept, Math.abs(w[i]));
            }
        }
        assertThat(count).as("pruned in group starting at %d", group[0]).isEqualTo(pruned);
        assertThat(maxPruned).isLessThanOrEqualTo(minKept);
    }
}
