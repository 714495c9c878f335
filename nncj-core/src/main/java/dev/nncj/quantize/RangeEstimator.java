package dev.nncj.quantize;

/**
 * Turns what calibration observed of one tensor into the range [lo, hi] its uint8 quantization covers.
 *
 * <ul>
 * <li>min-max: the extremes seen. Nothing is clipped; one outlier widens every step.</li>
 * <li>percentile p: clip each tail at (100 - p)/2 % of the values, from the histogram.</li>
 * <li>entropy (TensorRT's calibrator, Migacz 2017): over a histogram of |x| with 2048 bins, pick the
 *     clipping threshold T (bin edge i ≥ 128) minimizing KL(P‖Q), where P is the observed distribution
 *     clipped at T (outliers folded into the last bin) and Q is P merged into 128 levels and expanded
 *     back over the non-empty bins; the range is [max(lo, -T), min(hi, T)].</li>
 * </ul>
 */
final class RangeEstimator {
    static final int BINS = 2048;
    static final int LEVELS = 128;

    private RangeEstimator() {}

    /** Percentile clipping on a histogram of x over [min, max] (bins of equal width). */
    static float[] percentile(long[] hist, float min, float max, double percent) {
        long total = 0;
        for (long h : hist) {
            total += h;
        }
        double tail = total * (100.0 - percent) / 200.0;
        float width = (max - min) / hist.length;
        int lo = 0;
        long seen = 0;
        while (lo < hist.length - 1 && seen + hist[lo] <= tail) {
            seen += hist[lo++];
        }
        int hi = hist.length - 1;
        seen = 0;
        while (hi > lo && seen + hist[hi] <= tail) {
            seen += hist[hi--];
        }
        return new float[] {min + lo * width, min + (hi + 1) * width};
    }

    /** The KL-optimal clipping threshold T of a histogram of |x| over [0, maxAbs]. */
    static float entropyThreshold(long[] absHist, float maxAbs) {
        int n = absHist.length;
        float width = maxAbs / n;
        double bestKl = Double.POSITIVE_INFINITY;
        int best = n;
        for (int i = LEVELS; i <= n; i++) {
            double[] p = new double[i];
            for (int j = 0; j < i; j++) {
                p[j] = absHist[j];
            }
            for (int j = i; j < n; j++) {
                p[i - 1] += absHist[j]; // outliers clipped into the last kept bin
            }
            // Q: the first i bins merged into LEVELS groups, each group's mass spread evenly over
            // its non-empty bins (an empty bin of P stays empty in Q, so KL stays finite)
            double[] q = new double[i];
            double merge = (double) i / LEVELS;
            for (int g = 0; g < LEVELS; g++) {
                int start = (int) Math.floor(g * merge);
                int end = g == LEVELS - 1 ? i : (int) Math.floor((g + 1) * merge);
                double mass = 0;
                int nonEmpty = 0;
                for (int j = start; j < end; j++) {
                    mass += absHist[j];
                    if (absHist[j] != 0) {
                        nonEmpty++;
                    }
                }
                for (int j = start; j < end; j++) {
                    q[j] = absHist[j] == 0 || nonEmpty == 0 ? 0 : mass / nonEmpty;
                }
            }
            double kl = kl(p, q);
            if (kl < bestKl) {
                bestKl = kl;
                best = i;
            }
        }
        return (best + 0.5f) * width;
    }

    private static double kl(double[] p, double[] q) {
        double ps = 0;
        double qs = 0;
        for (int j = 0; j < p.length; j++) {
            ps += p[j];
            qs += q[j];
        }
        if (ps == 0 || qs == 0) {
            return Double.POSITIVE_INFINITY;
        }
        double kl = 0;
        for (int j = 0; j < p.length; j++) {
            if (p[j] > 0) {
                double pj = p[j] / ps;
                double qj = q[j] / qs;
                kl += qj == 0 ? 1e3 * pj : pj * Math.log(pj / qj); // clipped mass Q cannot express: penalize
            }
        }
        return kl;
    }
}
