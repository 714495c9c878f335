package dev.nncj.lowrank;

import java.util.List;

/** What {@link Factorizer#factorize} did: weights factorized, weights skipped with the reason. */
public record FactorizeResult(List<FactorizedWeight> factorized, List<SkippedWeight> skipped, long parametersBefore,
                              long parametersAfter) {
    public FactorizeResult {
        factorized = List.copyOf(factorized);
        skipped = List.copyOf(skipped);
    }
}
