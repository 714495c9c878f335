package dev.nncj.train.trainer;

/**
 * When a {@link Trainer} evaluates and when it gives up. The weights of the best evaluation are kept
 * by the trainer ({@link Trainer#writeBestWeights}).
 *
 * @param everySteps evaluate after every this many steps
 * @param patience stop after this many evaluations in a row without a new best; 0 never stops
 * @param higherIsBetter true for accuracy-like metrics, false for losses
 * @param firstStep no evaluation before this step: a model whose function is still being changed by
 *     a schedule (movement pruning's sparsity) must not be kept for a score it had before its end
 */
public record EarlyStopping(int everySteps, int patience, boolean higherIsBetter, int firstStep) {
    public EarlyStopping {
        if (everySteps < 1) {
            throw new IllegalArgumentException("evaluation interval must be >= 1 step, got " + everySteps);
        }
        if (patience < 0) {
            throw new IllegalArgumentException("patience must be >= 0, got " + patience);
        }
        if (firstStep < 0) {
            throw new IllegalArgumentException("first evaluated step must be >= 0, got " + firstStep);
        }
    }

    /** Evaluations from the first interval on. */
    public EarlyStopping(int everySteps, int patience, boolean higherIsBetter) {
        this(everySteps, patience, higherIsBetter, 0);
    }

    boolean improves(double metric, double best) {
        return Double.isNaN(best) || (higherIsBetter ? metric > best : metric < best);
    }
}
