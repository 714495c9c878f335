package dev.nncj.train.movement;

/**
 * The fraction of weights kept at each training step (Zhu and Gupta 2017, "To prune, or not to
 * prune", eq. 1, as Sanh et al. 2020 use it for movement pruning): everything during the first
 * {@code warmupSteps} (the scores learn before anything is removed), then
 * <pre>
 * r(t) = r_f + (1 - r_f) (1 - (t - t_w) / (T - t_w - t_c))^3
 * </pre>
 * which removes fast while many redundant weights remain and slowly near the end, and {@code r_f}
 * for the last {@code cooldownSteps} (the network settles on its final mask).
 *
 * @param finalRemaining r_f, in (0, 1]
 * @param warmupSteps t_w
 * @param cooldownSteps t_c
 * @param totalSteps T
 */
public record CubicSparsitySchedule(double finalRemaining, int warmupSteps, int cooldownSteps, int totalSteps) {
    public CubicSparsitySchedule {
        if (!(finalRemaining > 0 && finalRemaining <= 1)) {
            throw new IllegalArgumentException("remaining fraction must lie in (0, 1], got " + finalRemaining);
        }
        if (warmupSteps < 0 || cooldownSteps < 0 || warmupSteps + cooldownSteps > totalSteps) {
            throw new IllegalArgumentException("need warm-up and cool-down steps >= 0 that fit in the " + totalSteps
                    + " steps; got " + warmupSteps + " and " + cooldownSteps);
        }
    }

    /** Warm-up and cool-down as fractions of {@code totalSteps} (rounded to whole steps). */
    public static CubicSparsitySchedule of(double finalRemaining, double warmupFraction, double cooldownFraction,
            int totalSteps) {
        return new CubicSparsitySchedule(finalRemaining, (int) Math.round(warmupFraction * totalSteps),
                (int) Math.round(cooldownFraction * totalSteps), totalSteps);
    }

    /** The kept fraction for the forward pass of step {@code step} (counting from 0). */
    public double remainingAt(int step) {
        if (step < warmupSteps) {
            return 1;
        }
        int pruningSteps = totalSteps - warmupSteps - cooldownSteps;
        if (step >= totalSteps - cooldownSteps || pruningSteps == 0) {
            return finalRemaining;
        }
        double left = 1 - (double) (step - warmupSteps) / pruningSteps;
        return finalRemaining + (1 - finalRemaining) * left * left * left;
    }

    /** The first step run at the final fraction: evaluations before it judge a model still being pruned. */
    public int firstFinalStep() {
        return totalSteps - cooldownSteps;
    }
}
