package dev.nncj.runtime;

import java.util.Arrays;

/**
 * Summary of one model's timed runs, in milliseconds.
 *
 * <p>Percentiles use the nearest-rank method: the p-th percentile of n sorted samples is the sample
 * at 1-based rank ceil(p/100 * n). It always reports a latency that was actually observed (no
 * interpolation between two runs), and the median of 100 runs is the 50th smallest. With n = 100,
 * p99 is the second-largest sample; with fewer than 100 runs p99 is simply the maximum, which is
 * why tail figures need at least a few hundred runs to mean much.
 *
 * @param samples number of timed runs
 */
public record LatencyStats(int samples, double p50Ms, double p90Ms, double p99Ms, double meanMs, double minMs,
        double maxMs) {

    /** Summarizes run durations measured with {@link System#nanoTime()}. */
    public static LatencyStats ofNanos(long[] nanos) {
        if (nanos.length == 0) {
            throw new IllegalArgumentException("no samples");
        }
        double[] ms = new double[nanos.length];
        double sum = 0;
        for (int i = 0; i < nanos.length; i++) {
            ms[i] = nanos[i] / 1e6;
            sum += ms[i];
        }
        Arrays.sort(ms);
        return new LatencyStats(ms.length, nearestRank(ms, 50), nearestRank(ms, 90), nearestRank(ms, 99),
                sum / ms.length, ms[0], ms[ms.length - 1]);
    }

    /**
     * The nearest-rank {@code percent}-th percentile of ascending {@code sorted}: the element at 1-based
     * rank ceil(percent/100 * n), and the minimum for percent 0.
     */
    public static double nearestRank(double[] sorted, double percent) {
        if (sorted.length == 0) {
            throw new IllegalArgumentException("no samples");
        }
        if (!(percent >= 0 && percent <= 100)) {
            throw new IllegalArgumentException("percentile must be in [0, 100], got " + percent);
        }
        int rank = (int) Math.ceil(percent / 100.0 * sorted.length);
        return sorted[Math.max(rank, 1) - 1];
    }
}
