package dev.nncj.spark;

import dev.nncj.search.Architecture;
import dev.nncj.search.CandidateEvaluator;
import dev.nncj.search.CandidateEvaluator.Result;
import dev.nncj.search.Fidelity;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.api.java.function.Function;

/**
 * The task body: evaluates one candidate on an executor with the evaluator its factory built there.
 * Each executor JVM builds that evaluator once (it loads the teacher and the data) and keeps it for
 * the search's later tasks, keyed by the {@link SparkCandidateEvaluator} that sent them. A
 * {@link CandidateEvaluator.CandidateFailure} is the candidate's result; anything else fails the
 * task, which Spark retries (spark.task.maxFailures).
 */
final class ExecutorEvaluation implements Function<CandidateTask, CandidateOutcome> {
    private static final long serialVersionUID = 1L;
    /** Per executor JVM: the evaluators built so far, by search. */
    private static final Map<String, CandidateEvaluator> BUILT = new ConcurrentHashMap<>();

    private final String searchKey;
    private final EvaluatorFactory factory;
    private final int threads;

    ExecutorEvaluation(String searchKey, EvaluatorFactory factory, int threads) {
        this.searchKey = searchKey;
        this.factory = factory;
        this.threads = threads;
    }

    @Override
    public CandidateOutcome call(CandidateTask task) {
        CandidateEvaluator evaluator = BUILT.computeIfAbsent(searchKey, k -> factory.create(threads));
        return CandidateOutcome.of(Result.of(evaluator, Architecture.parse(task.candidate()),
                Fidelity.ofLabel(task.stage())));
    }
}
