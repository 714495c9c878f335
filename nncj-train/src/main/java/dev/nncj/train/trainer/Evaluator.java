package dev.nncj.train.trainer;

import dev.nncj.train.execution.OnnxExecutor;

/** Scores the model under training on held-out data (accuracy, loss...), between steps. */
@FunctionalInterface
public interface Evaluator {
    double evaluate(OnnxExecutor executor);
}
