package dev.nncj.eval.stats;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Spearman's rank correlation, the STS benchmark metric: Pearson's correlation of the ranks of x and
 * of y, tied values sharing the average of the ranks they span (so 10, 20, 20, 30 rank 1, 2.5, 2.5, 4).
 *
 * <p>The 95% interval uses Fisher's z = atanh(rho) with the standard error Fieller, Hartley and
 * Pearson (1957) found for Spearman's rho, 1.06/√(n-3) (a little wider than Pearson's 1/√(n-3)):
 * [tanh(z - 1.96·se), tanh(z + 1.96·se)]. With n ≤ 3 the interval is the whole [-1, 1]. A constant
 * series has no ranking, so rho and its interval are NaN.
 */
public record Spearman(double rho, int n, Interval ci95) {

    private static final double Z95 = 1.96;
    private static final double FIELLER_SE_FACTOR = 1.06;

    public static Spearman correlation(double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("x has " + x.length + " values but y has " + y.length);
        }
        int n = x.length;
        if (n < 2) {
            throw new IllegalArgumentException("rank correlation needs at least 2 pairs, got " + n);
        }
        double rho = pearson(averageRanks(x), averageRanks(y));
        return new Spearman(rho, n, interval(rho, n));
    }

    /** 1-based ranks of {@code values}, ties given the mean of the ranks they occupy. */
    public static double[] averageRanks(double[] values) {
        int n = values.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingDouble(i -> values[i]));
        double[] ranks = new double[n];
        int start = 0;
        while (start < n) {
            int end = start;
            while (end + 1 < n && values[order[end + 1]] == values[order[start]]) {
                end++;
            }
            // positions start..end (0-based) hold ranks start+1..end+1, whose mean is this:
            double rank = (start + end) / 2.0 + 1;
            for (int k = start; k <= end; k++) {
                ranks[order[k]] = rank;
            }
            start = end + 1;
        }
        return ranks;
    }

    private static double pearson(double[] a, double[] b) {
        int n = a.length;
        double meanA = 0;
        double meanB = 0;
        for (int i = 0; i < n; i++) {
            meanA += a[i];
            meanB += b[i];
        }
        meanA /= n;
        meanB /= n;
        double cov = 0;
        double varA = 0;
        double varB = 0;
        for (int i = 0; i < n; i++) {
            double da = a[i] - meanA;
            double db = b[i] - meanB;
            cov += da * db;
            varA += da * da;
            varB += db * db;
        }
        if (varA == 0 || varB == 0) {
            return Double.NaN;
        }
        // Clamp: rounding can put a perfect correlation a hair outside [-1, 1], and atanh needs inside.
        return Math.max(-1, Math.min(1, cov / Math.sqrt(varA * varB)));
    }

    private static Interval interval(double rho, int n) {
        if (Double.isNaN(rho)) {
            return new Interval(Double.NaN, Double.NaN);
        }
        if (n <= 3) {
            return new Interval(-1, 1);
        }
        double z = 0.5 * Math.log((1 + rho) / (1 - rho)); // atanh; ±infinity for rho = ±1
        double se = FIELLER_SE_FACTOR / Math.sqrt(n - 3);
        return new Interval(Math.tanh(z - Z95 * se), Math.tanh(z + Z95 * se));
    }
}
