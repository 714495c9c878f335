package dev.nncj.sparsity;

/** What unstructured pruning ranks weights by. */
public enum PruningCriterion {
    /** |w| (Han et al. 2015). */
    MAGNITUDE,
    /** |w| times the RMS of the input feature it multiplies on real data (Wanda, Sun et al. 2023): {@link InputScaledMagnitude}. */
    ACTIVATION;

    public String cliName() {
        return dev.nncj.Choices.of(this);
    }

    /** Parses "magnitude" or "activation". */
    public static PruningCriterion parse(String text) {
        return dev.nncj.Choices.parse(PruningCriterion.class, text, dev.nncj.OptionName.of("criterion"));
    }
}
