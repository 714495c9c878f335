package dev.nncj.eval;

import dev.nncj.eval.stats.Interval;
import dev.nncj.eval.stats.Proportions;
import java.util.Map;

/**
 * The outcome of an evaluation: the task's headline metric with its 95% confidence interval and
 * the number of examples, plus the task's other figures (e.g. min_cosine) by name.
 *
 * @param metric the headline metric's name: accuracy, mean_cosine, spearman
 * @param metrics every figure of the task by snake_case name, the headline included
 */
public record EvalResult(String task, String model, String metric, double value, Interval ci95, int n,
                         Map<String, Double> metrics) {

    /** A classification result: accuracy = correct / n with its Wilson 95% interval. */
    public static EvalResult accuracy(String task, String model, int correct, int n) {
        double accuracy = (double) correct / n;
        return new EvalResult(task, model, "accuracy", accuracy, Proportions.wilson(correct, n, 0.95), n,
                Map.of("accuracy", accuracy, "correct", (double) correct));
    }
}
