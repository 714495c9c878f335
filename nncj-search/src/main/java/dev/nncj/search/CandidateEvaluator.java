package dev.nncj.search;

import java.util.List;
import java.util.function.Consumer;

/**
 * Builds a candidate at a fidelity stage and scores it on the selection data: one candidate in,
 * its measured accuracy and file size out. Latency is not measured here but predicted on the
 * device the search targets, so an evaluator may run anywhere (another thread, another machine).
 * A candidate that cannot be built or trained throws {@link CandidateFailure}; the search records
 * the reason and goes on.
 */
@FunctionalInterface
public interface CandidateEvaluator {
    Evaluation evaluate(Architecture candidate, Fidelity stage);

    /**
     * Evaluates a batch (the search hands over each phase's unjournaled candidates at once) and hands
     * each result to {@code inOrder}, exactly once per candidate and in the order of
     * {@code candidates}: the search journals them as they come, so the journal is the same whoever
     * ran the batch and however. This default runs them one by one here, each result handed over
     * as soon as it is known (a kill loses at most the candidate being evaluated); an executor that
     * runs them elsewhere overrides it. An exception other than {@link CandidateFailure} ends the
     * batch: results already handed over stay journaled.
     */
    default void evaluateAll(List<Architecture> candidates, Fidelity stage, Consumer<Result> inOrder) {
        for (Architecture a : candidates) {
            inOrder.accept(Result.of(this, a, stage));
        }
    }

    /** Accuracy on the selection data and the bytes of the deployable file. */
    record Evaluation(double accuracy, long bytes) {}

    /**
     * One candidate's result: its evaluation, or the reason it failed (then {@code evaluation} is
     * null), and the seconds the evaluation took where it ran.
     */
    record Result(Architecture candidate, Evaluation evaluation, String failure, double seconds) {
        public Result {
            if ((evaluation == null) == failure.isEmpty()) {
                throw new IllegalArgumentException("a result is an evaluation or a failure reason, not both or neither");
            }
        }

        public static Result scored(Architecture candidate, Evaluation evaluation, double seconds) {
            return new Result(candidate, evaluation, "", seconds);
        }

        public static Result failed(Architecture candidate, String reason, double seconds) {
            return new Result(candidate, null, reason == null || reason.isEmpty() ? "failed without a reason" : reason,
                    seconds);
        }

        /** Runs {@code evaluator} on one candidate, timing it; a {@link CandidateFailure} becomes a failed result. */
        public static Result of(CandidateEvaluator evaluator, Architecture candidate, Fidelity stage) {
            long start = System.nanoTime();
            try {
                Evaluation v = evaluator.evaluate(candidate, stage);
                return scored(candidate, v, (System.nanoTime() - start) / 1e9);
            } catch (CandidateFailure f) {
                return failed(candidate, f.getMessage(), (System.nanoTime() - start) / 1e9);
            }
        }

        public boolean isFailure() {
            return evaluation == null;
        }
    }

    /** A candidate that failed for a reason of its own (diverged, too small to quantize, ...). */
    final class CandidateFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public CandidateFailure(String reason) {
            super(reason);
        }
    }
}
