package dev.nncj.cli;

import dev.nncj.search.JournalEntry;
import dev.nncj.search.Scored;
import dev.nncj.search.SearchListener;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Optional;

/** One line per scored candidate on stderr: the phase, how far it is, the candidate and the best so far. */
final class SearchProgress implements SearchListener {
    private final PrintWriter err;
    private final boolean quiet;

    SearchProgress(PrintWriter err, boolean quiet) {
        this.err = err;
        this.quiet = quiet;
    }

    @Override
    public void scored(String phase, int done, int total, JournalEntry latest, Optional<Scored> best) {
        if (quiet) {
            return;
        }
        String result = latest.isFailure() ? "failed: " + latest.failure()
                : String.format(Locale.ROOT, "accuracy %.4f, p50 %.3fx, file %.3fx", latest.objectives().accuracy(),
                        latest.objectives().latencyRatio(), latest.objectives().sizeRatio());
        String bestLine = best.map(b -> String.format(Locale.ROOT, "%.4f at p50 %.3fx, file %.3fx",
                b.objectives().accuracy(), b.objectives().latencyRatio(), b.objectives().sizeRatio())).orElse("none yet");
        err.printf(Locale.ROOT, "search %s: %d/%d  %s  [%s]  best within budget: %s%n", phase, done, total,
                latest.architecture(), result, bestLine);
        err.flush();
    }
}
