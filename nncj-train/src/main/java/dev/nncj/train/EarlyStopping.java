package dev.nncj.train;

import java.nio.file.Path;

/**
 * When a {@link Trainer} evaluates and when it gives up.
 *
 * @param everySteps evaluate after every this many steps
 * @param patience stop after this many evaluations in a row without a new best; 0 never stops
 * @param higherIsBetter true for accuracy-like metrics, false for losses
 * @param bestCheckpoint where the best model so far is checkpointed, or null to keep none
 */
public record EarlyStopping(int everySteps, int patience, boolean higherIsBetter, Path bestCheckpoint) {
    public EarlyStopping {
        if (everySteps < 1) {
            throw new IllegalArgumentException("evaluation interval must be >= 1 step, got " + everySteps);
        }
        if (patience < 0) {
            throw new IllegalArgumentException("patience must be >= 0, got " + patience);
        }
    }

    boolean improves(double metric, double best) {
        return Double.isNaN(best) || (higherIsBetter ? metric > best : metric < best);
    }
}
