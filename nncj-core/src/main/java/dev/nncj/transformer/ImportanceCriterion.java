package dev.nncj.transformer;

import java.util.function.Function;

/**
 * A named way to rank heads and neurons for structured pruning, and how its {@link ImportanceScorer}
 * is built from the data a run supplies: each criterion takes from {@link ImportanceData} only what
 * it needs (magnitude nothing, activation sentences, gradient labelled examples), so a run loads
 * only that. Criteria are collected in {@link ImportanceCriteria}, where a front end looks them up
 * by name.
 *
 * @param name how the criterion is chosen ("magnitude"), the same as its scorer's {@link ImportanceScorer#name()}
 * @param summary one line for help texts and listings
 */
public record ImportanceCriterion(String name, String summary, Function<ImportanceData, ImportanceScorer> scorer) {
    public ImportanceScorer scorer(ImportanceData data) {
        return scorer.apply(data);
    }
}
