package dev.nncj.transformer;

/**
 * Scores the heads and neurons of an encoder for structured pruning. Implementations: weight
 * {@link MagnitudeImportance}, data-driven {@link ActivationImportance}, {@link RandomImportance}
 * (the baseline a real score must beat), and nncj-train's gradient importance (Michel et al. 2019).
 * Each declares an {@link ImportanceCriterion}, by which {@link ImportanceCriteria} finds it.
 */
public interface ImportanceScorer extends dev.nncj.provenance.Recordable {
    /** A short name for reports and provenance ("magnitude", "activation", ...). */
    String name();

    ImportanceScores score(EncoderSpec spec);

    /** Provenance records a scorer by its name: its criterion's data is recorded as the files it came from. */
    @Override
    default Object recorded() {
        return name();
    }
}
