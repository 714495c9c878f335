package dev.nncj.search;

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

    /** Accuracy on the selection data and the bytes of the deployable file. */
    record Evaluation(double accuracy, long bytes) {}

    /** A candidate that failed for a reason of its own (diverged, too small to quantize, ...). */
    final class CandidateFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public CandidateFailure(String reason) {
            super(reason);
        }
    }
}
