package dev.nncj.eval.stats;

/**
 * Summary of a sample (a latency series, per-sentence cosine similarities) with a 95% confidence
 * interval for its mean: mean ± c·sd/√n, where sd is the sample standard deviation (n-1 in the
 * denominator) and c is Student's t with n-1 degrees of freedom for n &lt; 30, the normal 1.96 from
 * 30 on (where t is within 2.5% of it).
 *
 * <p>For a single value sd is NaN and the interval is unbounded: one value says nothing about spread.
 */
public record MeanInterval(int n, double mean, double sd, double min, double max, Interval ci95) {

    /** Two-sided 95% critical values of Student's t for 1..28 degrees of freedom (n = 2..29). */
    private static final double[] T95 = {
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
        2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048};

    private static final double Z95 = 1.96;

    public static MeanInterval of(double[] values) {
        int n = values.length;
        if (n == 0) {
            throw new IllegalArgumentException("no values to summarise");
        }
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double sum = 0;
        for (double v : values) {
            sum += v;
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        double mean = sum / n;
        if (n == 1) {
            return new MeanInterval(1, mean, Double.NaN, min, max,
                    new Interval(Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY));
        }
        // Two passes (mean first, then squared deviations) avoid the cancellation of sum-of-squares.
        double squares = 0;
        for (double v : values) {
            squares += (v - mean) * (v - mean);
        }
        double sd = Math.sqrt(squares / (n - 1));
        double half = critical95(n - 1) * sd / Math.sqrt(n);
        return new MeanInterval(n, mean, sd, min, max, new Interval(mean - half, mean + half));
    }

    /** The two-sided 95% critical value used for {@code degreesOfFreedom}: t up to 28, then 1.96. */
    public static double critical95(int degreesOfFreedom) {
        if (degreesOfFreedom < 1) {
            throw new IllegalArgumentException("degrees of freedom must be >= 1, got " + degreesOfFreedom);
        }
        return degreesOfFreedom <= T95.length ? T95[degreesOfFreedom - 1] : Z95;
    }
}
