package dev.nncj.sparsity;

import java.util.Locale;

/** What unstructured pruning ranks weights by. */
public enum PruningCriterion {
    /** |w| (Han et al. 2015). */
    MAGNITUDE,
    /** |w| times the RMS of the input feature it multiplies on real data (Wanda, Sun et al. 2023): {@link InputScaledMagnitude}. */
    ACTIVATION;

    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses "magnitude" or "activation". */
    public static PruningCriterion parse(String text) {
        for (PruningCriterion c : values()) {
            if (c.cliName().equals(text)) {
                return c;
            }
        }
        throw new IllegalArgumentException("--criterion must be magnitude or activation, not '" + text + "'");
    }
}
