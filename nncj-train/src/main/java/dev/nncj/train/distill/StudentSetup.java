package dev.nncj.train.distill;

import dev.nncj.train.execution.ExecutorOptions;
import java.util.Objects;
import java.util.function.IntUnaryOperator;

/**
 * How {@link Distiller} runs the student beyond the losses: the executor's options (extra kernels,
 * parameter groups with their own learning rates) and the first step whose evaluation may be kept
 * as the best. Training-time compression methods (movement pruning) need both; plain distillation
 * uses {@link #standard()}.
 *
 * @param firstEvaluatedStep from the run's total steps, the first step after which an evaluation
 *     counts (a model a schedule is still pruning must not be kept for an accuracy it had before)
 */
public record StudentSetup(ExecutorOptions execution, IntUnaryOperator firstEvaluatedStep) {
    public StudentSetup {
        Objects.requireNonNull(execution, "execution");
        Objects.requireNonNull(firstEvaluatedStep, "firstEvaluatedStep");
    }

    /** The standard kernels, every parameter at the optimizer's rate, evaluations from the start. */
    public static StudentSetup standard() {
        return new StudentSetup(ExecutorOptions.defaults(), total -> 0);
    }
}
