package dev.nncj.cli.fuzz;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** A case, how it ran, every check it failed and the notes that say why. */
record CaseResult(FuzzCase fuzzCase, RunRecord run, Set<Outcome> failures, String errorLine, List<String> notes) {
    CaseResult {
        failures = failures.isEmpty() ? EnumSet.noneOf(Outcome.class) : EnumSet.copyOf(failures);
        notes = List.copyOf(notes);
    }

    boolean passed() {
        return failures.isEmpty();
    }

    /** The most severe failure, or how the case passed. */
    Outcome primary() {
        if (!failures.isEmpty()) {
            return failures.iterator().next(); // EnumSet iterates in declaration order: most severe first
        }
        return run.exitCode() == 0 ? Outcome.PASS_SUCCEEDED : Outcome.PASS_REJECTED;
    }
}
