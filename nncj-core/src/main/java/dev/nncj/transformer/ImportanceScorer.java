package dev.nncj.transformer;

/**
 * Scores the heads and neurons of an encoder for structured pruning. Implementations: weight
 * {@link MagnitudeImportance}, data-driven {@link ActivationImportance}, {@link RandomImportance}
 * (the baseline a real score must beat); a gradient-based score (Michel et al. 2019: |dL/d gate|
 * of a per-head gate) plugs in here once training exists.
 */
public interface ImportanceScorer {
    /** A short name for reports and provenance ("magnitude", "activation", ...). */
    String name();

    ImportanceScores score(EncoderSpec spec);
}
