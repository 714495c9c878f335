package dev.nncj.spark;

import dev.nncj.search.Architecture;
import dev.nncj.search.CandidateEvaluator;
import dev.nncj.search.Fidelity;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Runs the search's candidates as Spark tasks: each batch (a phase's unjournaled candidates) is one
 * Spark job with one task per candidate, so the cluster's free task slots take candidates as they
 * come. A candidate goes out as its architecture line and stage label, and comes back as accuracy,
 * bytes or a failure reason: models never ride in a closure, the executors read them from a folder
 * they share with the driver (through the {@link EvaluatorFactory}). Latency stays on the driver,
 * which predicts it from the target device's table.
 *
 * <p>Faults are Spark's: a task lost with its executor, or one that throws, is retried up to
 * spark.task.maxFailures times; past that the job, and with it the search, stops, and rerunning it
 * resumes from the journal. Results are handed back when the whole job is done, in candidate order.
 *
 * <p>The caller owns the Spark context. An executor running several tasks at once (spark.executor.cores
 * above spark.task.cpus) calls its one evaluator from several threads.
 */
public final class SparkCandidateEvaluator implements CandidateEvaluator {
    private final JavaSparkContext spark;
    private final ExecutorEvaluation task;

    public SparkCandidateEvaluator(JavaSparkContext spark, EvaluatorFactory factory) {
        this.spark = spark;
        // each search gets its own evaluator on an executor, even when two share one context
        this.task = new ExecutorEvaluation(UUID.randomUUID().toString(), factory,
                spark.getConf().getInt("spark.task.cpus", 1));
    }

    @Override
    public Evaluation evaluate(Architecture candidate, Fidelity stage) {
        Result[] one = new Result[1];
        evaluateAll(List.of(candidate), stage, r -> one[0] = r);
        if (one[0].isFailure()) {
            throw new CandidateFailure(one[0].failure());
        }
        return one[0].evaluation();
    }

    @Override
    public void evaluateAll(List<Architecture> candidates, Fidelity stage, Consumer<Result> inOrder) {
        if (candidates.isEmpty()) {
            return;
        }
        List<CandidateTask> tasks = candidates.stream().map(a -> new CandidateTask(a.toString(), stage.label())).toList();
        spark.setJobDescription("nncj search: " + tasks.size() + " candidates at " + stage.label());
        List<CandidateOutcome> outcomes = spark.parallelize(tasks, tasks.size()).map(task).collect();
        for (int i = 0; i < candidates.size(); i++) {
            inOrder.accept(outcomes.get(i).toResult(candidates.get(i)));
        }
    }
}
