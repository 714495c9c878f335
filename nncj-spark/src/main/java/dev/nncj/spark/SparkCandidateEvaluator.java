package dev.nncj.spark;

import dev.nncj.NncjException;
import dev.nncj.search.Architecture;
import dev.nncj.search.CandidateEvaluator;
import dev.nncj.search.Fidelity;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.SimpleFutureAction;
import org.apache.spark.api.java.JavaSparkContext;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractFunction0;
import scala.runtime.BoxedUnit;

/**
 * Runs the search's candidates as Spark tasks: each batch (a phase's unjournaled candidates) is one
 * Spark job with one task per candidate, so the cluster's free task slots take candidates as they
 * come. A candidate goes out as its architecture line and stage label, and comes back as accuracy,
 * bytes or a failure reason: models never ride in a closure, the executors read them from a folder
 * they share with the driver (through the {@link EvaluatorFactory}). Latency stays on the driver,
 * which predicts it from the target device's table.
 *
 * <p>Faults: a task lost with its executor, or one whose evaluation throws, is run again by Spark; a
 * candidate that fails all its attempts is journaled as failed with the reason, and the search goes
 * on ({@link ExecutorEvaluation}). Only a cluster fault (the factory cannot build the evaluator, the
 * cluster is gone) fails the job and stops the search, which then resumes from its journal. Each
 * result is handed back in candidate order as soon as those before it are in
 * ({@link OrderedOutcomes}), so the journal keeps what a killed driver had finished.
 *
 * <p>The caller owns the Spark context. An executor running several tasks at once (spark.executor.cores
 * above spark.task.cpus) calls its one evaluator from several threads.
 */
public final class SparkCandidateEvaluator implements CandidateEvaluator {
    /**
     * Two attempts a candidate: one retry covers a lost executor or a passing error, and a candidate
     * that kills its JVM costs the cluster two executors, not spark.task.maxFailures of them.
     */
    public static final int DEFAULT_ATTEMPTS = 2;

    private final JavaSparkContext spark;
    private final ExecutorEvaluation task;

    public SparkCandidateEvaluator(JavaSparkContext spark, EvaluatorFactory factory) {
        this(spark, factory, DEFAULT_ATTEMPTS);
    }

    /**
     * @param attempts tries a candidate gets before it is journaled as failed; Spark must allow one
     *     task failure more (spark.task.maxFailures, or F in a {@code local[N,F]} master), for the
     *     attempt that records it
     */
    public SparkCandidateEvaluator(JavaSparkContext spark, EvaluatorFactory factory, int attempts) {
        int allowed = TaskRetries.allowedFailures(spark.getConf());
        if (attempts < 1 || allowed <= attempts) {
            throw new NncjException("Spark tries a task " + allowed + " time(s) here (spark.task.maxFailures, "
                    + "or F in local[N,F]); a candidate given " + attempts + " attempt(s) needs more, to record it as failed");
        }
        this.spark = spark;
        // each search gets its own evaluator on an executor, even when two share one context
        this.task = new ExecutorEvaluation(UUID.randomUUID().toString(), factory,
                spark.getConf().getInt("spark.task.cpus", 1), attempts);
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
        List<Object> partitions = IntStream.range(0, tasks.size()).boxed().collect(Collectors.toList());
        OrderedOutcomes outcomes = new OrderedOutcomes(tasks.size());
        spark.setJobDescription("nncj search: " + tasks.size() + " candidates at " + stage.label());
        SimpleFutureAction<BoxedUnit> job = spark.sc().submitJob(spark.parallelize(tasks, tasks.size()).map(task).rdd(),
                new OrderedOutcomes.OnlyOutcome(), CollectionConverters.asScala(partitions).toSeq(), outcomes.handler(),
                new AbstractFunction0<BoxedUnit>() {
                    @Override
                    public BoxedUnit apply() {
                        return BoxedUnit.UNIT;
                    }
                });
        try {
            for (int i = 0; i < candidates.size(); i++) {
                inOrder.accept(outcomes.await(i, job).toResult(candidates.get(i)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NncjException("interrupted while the Spark job evaluated the candidates", e);
        } finally {
            if (!job.isCompleted()) {
                job.cancel(); // the search stopped taking results: free the cluster
            }
        }
    }
}
