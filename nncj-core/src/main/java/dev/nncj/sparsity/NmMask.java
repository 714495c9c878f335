package dev.nncj.sparsity;

import java.util.BitSet;
import java.util.Optional;

/**
 * N:M masks: the tensor is cut into groups of M consecutive elements along the reduction axis (for
 * each position of the other axes); in each group the M - N of smallest magnitude are pruned (ties:
 * the earlier element goes first), the N largest kept.
 */
public final class NmMask {
    private NmMask() {}

    /**
     * The elements to zero, or empty when the reduction axis is not a multiple of M (such a
     * tensor cannot carry the pattern, and is left dense rather than padded).
     */
    public static Optional<BitSet> of(float[] w, long[] shape, int axis, PruningPattern.NofM nm) {
        long length = shape[axis];
        if (length % nm.m() != 0) {
            return Optional.empty();
        }
        long stride = 1;
        for (int d = axis + 1; d < shape.length; d++) {
            stride *= shape[d];
        }
        long outer = w.length / (length * stride);
        BitSet mask = new BitSet(w.length);
        int m = nm.m();
        int prune = m - nm.n();
        int[] group = new int[m];
        for (long o = 0; o < outer; o++) {
            for (long inner = 0; inner < stride; inner++) {
                for (long g = 0; g < length; g += m) {
                    for (int j = 0; j < m; j++) {
                        group[j] = Math.toIntExact(o * length * stride + (g + j) * stride + inner);
                    }
                    pruneSmallest(w, group, prune, mask);
                }
            }
        }
        return Optional.of(mask);
    }

    /** Selection of the {@code prune} smallest of a small group (M is 4 or 8 in practice). */
    private static void pruneSmallest(float[] w, int[] group, int prune, BitSet mask) {
        for (int p = 0; p < prune; p++) {
            int best = -1;
            for (int idx : group) {
                if (!mask.get(idx) && (best < 0 || Math.abs(w[idx]) < Math.abs(w[best]))) {
                    best = idx;
                }
            }
            mask.set(best);
        }
    }
}
