package dev.nncj.spark;

import dev.nncj.search.Architecture;
import dev.nncj.search.CandidateEvaluator.Evaluation;
import dev.nncj.search.CandidateEvaluator.Result;
import java.io.Serializable;

/**
 * What travels back from an executor for one candidate: accuracy and bytes, or the failure reason
 * (empty when it succeeded), and the seconds the evaluation took there. No latency: it is never
 * timed on an executor.
 */
record CandidateOutcome(double accuracy, long bytes, String failure, double seconds) implements Serializable {
    static CandidateOutcome of(Result r) {
        return r.isFailure() ? new CandidateOutcome(Double.NaN, 0, r.failure(), r.seconds())
                : new CandidateOutcome(r.evaluation().accuracy(), r.evaluation().bytes(), "", r.seconds());
    }

    /** A candidate recorded as failed without an evaluation of its own. */
    static CandidateOutcome failed(String reason) {
        return new CandidateOutcome(Double.NaN, 0, reason, 0);
    }

    Result toResult(Architecture candidate) {
        return failure.isEmpty() ? Result.scored(candidate, new Evaluation(accuracy, bytes), seconds)
                : Result.failed(candidate, failure, seconds);
    }
}
