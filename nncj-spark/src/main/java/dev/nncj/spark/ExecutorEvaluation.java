package dev.nncj.spark;

import dev.nncj.search.Architecture;
import dev.nncj.search.CandidateEvaluator;
import dev.nncj.search.CandidateEvaluator.Result;
import dev.nncj.search.Fidelity;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.Function;

/**
 * The task body: evaluates one candidate on an executor with the evaluator its factory built there.
 * Each executor JVM builds that evaluator once (it loads the teacher and the data) and keeps it for
 * the search's later tasks, keyed by the {@link SparkCandidateEvaluator} that sent them.
 *
 * <p>A {@link CandidateEvaluator.CandidateFailure} is the candidate's result. Anything else the
 * evaluation throws fails the task, and Spark runs it again (on any executor), as it does a task lost
 * with its executor; a candidate gets {@code attempts} such tries. The last try turns its exception into
 * a failed result, and a try after them (the last one's executor was lost: the candidate may be what
 * kills it) records the candidate as failed without running it, so one bad candidate never aborts the
 * job and the search goes on. A factory that cannot build the evaluator always fails the task: that is
 * the cluster's fault, not a candidate's, and must not fill the journal with failures.
 */
final class ExecutorEvaluation implements Function<CandidateTask, CandidateOutcome> {
    private static final long serialVersionUID = 1L;
    /** Per executor JVM: the evaluators built so far, by search. */
    private static final Map<String, CandidateEvaluator> BUILT = new ConcurrentHashMap<>();

    private final String searchKey;
    private final EvaluatorFactory factory;
    private final int threads;
    private final int attempts;

    ExecutorEvaluation(String searchKey, EvaluatorFactory factory, int threads, int attempts) {
        this.searchKey = searchKey;
        this.factory = factory;
        this.threads = threads;
        this.attempts = attempts;
    }

    @Override
    public CandidateOutcome call(CandidateTask task) {
        int attempt = TaskContext.get().attemptNumber();
        if (attempt >= attempts) {
            return CandidateOutcome.failed("its executor was lost during the last of " + attempts + " attempts");
        }
        CandidateEvaluator evaluator = BUILT.computeIfAbsent(searchKey, k -> factory.create(threads));
        try {
            return CandidateOutcome.of(Result.of(evaluator, Architecture.parse(task.candidate()),
                    Fidelity.ofLabel(task.stage())));
        } catch (RuntimeException e) {
            if (attempt < attempts - 1) {
                throw e;
            }
            return CandidateOutcome.failed("failed " + attempts + " attempts, the last with " + e);
        }
    }
}
