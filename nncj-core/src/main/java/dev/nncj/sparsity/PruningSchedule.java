package dev.nncj.sparsity;

/** The sparsity of pruning round r of n on the way to a final sparsity s (iterative pruning with retraining between rounds). */
public enum PruningSchedule {
    /**
     * s r / n: equal steps of sparsity. At high s the last round removes most of what is left
     * (3 rounds to 0.92 go from 39% of the weights kept to 8%, a fifth of the survivors).
     */
    LINEAR,
    /**
     * 1 - (1 - s)^(r / n): every round removes the same share of the weights still kept, as
     * iterative magnitude pruning usually does (Frankle and Carbin prune 20% of the survivors per round).
     */
    GEOMETRIC;

    public double sparsityAt(double finalSparsity, int round, int rounds) {
        if (round < 1 || round > rounds) {
            throw new IllegalArgumentException("round " + round + " of " + rounds);
        }
        return switch (this) {
            case LINEAR -> finalSparsity * round / rounds;
            case GEOMETRIC -> round == rounds ? finalSparsity : 1 - Math.pow(1 - finalSparsity, (double) round / rounds);
        };
    }

    /** {@code pattern}'s every rate at round {@code round} of {@code rounds} (magnitude patterns; N:M has no rate). */
    public PruningPattern at(PruningPattern pattern, int round, int rounds) {
        if (pattern instanceof PruningPattern.Magnitude m) {
            return new PruningPattern.Magnitude(sparsityAt(m.sparsity(), round, rounds), m.scope());
        }
        if (pattern instanceof PruningPattern.LayerRates r) {
            return r.map(s -> sparsityAt(s, round, rounds));
        }
        throw new IllegalArgumentException("N:M is not pruned in rounds");
    }

    public String cliName() {
        return dev.nncj.Choices.of(this);
    }

    public static PruningSchedule parse(String text) {
        return dev.nncj.Choices.parse(PruningSchedule.class, text, dev.nncj.OptionName.of("schedule"));
    }
}
