package dev.nncj.train.trainer;

/**
 * Observes a {@link Trainer}: logging, progress bars, checkpoints, schedules. The library never
 * prints; a CLI listener does.
 */
public interface TrainingListener {
    /** When the {@link Trainer} is created, before its first step: schedules need the length of the run. */
    default void onStart(int totalSteps) {}

    /**
     * When the {@link Trainer} continues a checkpointed run at {@code step} (after {@link #onStart}):
     * a schedule moves to that step, a progress bar counts the steps already done.
     */
    default void onResume(int step) {}

    /** After each optimizer step. */
    default void onStep(StepResult result) {}

    /** After each evaluation; {@code best} when it is the best so far. */
    default void onEvaluation(int step, double metric, boolean best) {}

    /** After the last step of {@link Trainer#fit}. */
    default void onFitEnd(int steps) {}
}
