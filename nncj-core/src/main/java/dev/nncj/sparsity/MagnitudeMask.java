package dev.nncj.sparsity;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * Chooses the {@code k} weights of smallest magnitude among one or more tensors: the threshold t is
 * the k-th smallest |w|; every |w| < t is pruned, then weights with |w| == t in tensor order, then
 * index order, until exactly k are pruned, so the sparsity asked for is the sparsity reached even
 * when many weights tie (already-zero weights, quantized-then-dequantized weights). NaN is never
 * pruned. One tensor gives per-layer pruning; all selected tensors at once give a global threshold.
 */
public final class MagnitudeMask {
    private MagnitudeMask() {}

    /** floor(sparsity * n) computed on the decimal the user typed (0.29 * 100 is 29, not 28.999...). */
    public static long count(double sparsity, long n) {
        return new BigDecimal(Double.toString(sparsity)).multiply(BigDecimal.valueOf(n))
                .setScale(0, RoundingMode.FLOOR).longValueExact();
    }

    /** Which elements to zero, one BitSet per tensor, exactly {@code k} set in all. */
    public static List<BitSet> smallest(List<float[]> weights, long k) {
        long total = weights.stream().mapToLong(w -> w.length).sum();
        if (k < 0 || k > total) {
            throw new IllegalArgumentException("cannot prune " + k + " of " + total + " weights");
        }
        List<BitSet> masks = new ArrayList<>();
        weights.forEach(w -> masks.add(new BitSet(w.length)));
        if (k == 0) {
            return masks;
        }
        float[] all = new float[Math.toIntExact(total)];
        int pos = 0;
        for (float[] w : weights) {
            for (float v : w) {
                all[pos++] = Math.abs(v);
            }
        }
        Arrays.sort(all); // NaN sorts last, so it is never the threshold while k <= the non-NaN count
        float threshold = all[Math.toIntExact(k - 1)];
        long below = 0;
        for (int t = 0; t < weights.size(); t++) {
            float[] w = weights.get(t);
            for (int i = 0; i < w.length; i++) {
                if (Math.abs(w[i]) < threshold) {
                    masks.get(t).set(i);
                    below++;
                }
            }
        }
        long ties = k - below;
        for (int t = 0; t < weights.size() && ties > 0; t++) {
            float[] w = weights.get(t);
            for (int i = 0; i < w.length && ties > 0; i++) {
                if (Math.abs(w[i]) == threshold) {
                    masks.get(t).set(i);
                    ties--;
                }
            }
        }
        return masks;
    }
}
