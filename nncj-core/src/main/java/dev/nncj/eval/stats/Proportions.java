package dev.nncj.eval.stats;

/**
 * Confidence intervals for a proportion such as accuracy (correct predictions out of n).
 *
 * <p>Wilson's score interval (Wilson 1927) inverts the normal test of the proportion instead of
 * plugging the estimate into its own standard error as the textbook Wald interval does; it stays
 * inside [0, 1] and keeps close to its nominal coverage for small n or accuracies near 0 or 1, which
 * is where compressed-model comparisons on a few hundred examples live. With p = k/n and z the
 * two-sided critical value:
 *
 * <pre>
 *   centre = (p + z²/2n) / (1 + z²/n)
 *   half   = z / (1 + z²/n) · sqrt(p(1-p)/n + z²/4n²)
 * </pre>
 */
public final class Proportions {
    private Proportions() {}

    /** Wilson score interval for {@code successes} out of {@code n} at the given confidence. */
    public static Interval wilson(long successes, long n, double confidence) {
        if (n <= 0) {
            throw new IllegalArgumentException("n must be positive, got " + n);
        }
        if (successes < 0 || successes > n) {
            throw new IllegalArgumentException("successes must be in [0, " + n + "], got " + successes);
        }
        double z = Normal.twoSidedCritical(confidence);
        double p = (double) successes / n;
        double z2n = z * z / n;
        double denominator = 1 + z2n;
        double centre = (p + z2n / 2) / denominator;
        double half = z / denominator * Math.sqrt(p * (1 - p) / n + z2n / (4.0 * n));
        // Clamp rounding noise so that 0/n starts exactly at 0 and n/n ends exactly at 1.
        return new Interval(Math.max(0, centre - half), Math.min(1, centre + half));
    }

    /** The 95% Wilson score interval. */
    public static Interval wilson95(long successes, long n) {
        return wilson(successes, n, 0.95);
    }
}
