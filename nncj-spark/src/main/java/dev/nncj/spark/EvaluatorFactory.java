package dev.nncj.spark;

import dev.nncj.search.CandidateEvaluator;
import java.io.Serializable;

/**
 * Builds the evaluator that runs on a Spark executor. The factory travels to the executors with
 * every task, so it holds only small values (paths in the shared folder, options), never a model:
 * the executor reads models from the shared folder when {@link #create} runs, once per executor JVM.
 */
@FunctionalInterface
public interface EvaluatorFactory extends Serializable {
    /**
     * @param threads the CPUs a task holds (spark.task.cpus): the ONNX Runtime (and training engine)
     *     thread count to use, since ONNX Runtime ignores OMP_NUM_THREADS and would otherwise take
     *     every core of the executor's machine
     */
    CandidateEvaluator create(int threads);
}
