package dev.nncj.transformer;

import dev.nncj.ProgressListener;
import dev.nncj.data.TextClassificationDataset;
import java.nio.file.Path;
import java.util.List;

/**
 * What a run can give an {@link ImportanceCriterion} to build its scorer from. The data is read when
 * a criterion asks for it, and a criterion asks only for what it uses; the supplier of a run that
 * lacks it (no sentences given) throws an error naming what to give.
 */
public interface ImportanceData {
    /** Seed for criteria that draw random numbers. */
    long seed();

    /** Calibration sentences: unlabelled text of the task. */
    List<String> sentences();

    /** Labelled task examples, for criteria that need a loss. */
    TextClassificationDataset labelled();

    /** The tokenizer.json of the model being pruned. */
    Path tokenizer();

    /** Examples per batch for criteria that back-propagate (a training batch). */
    int batchSize();

    /** Longest token sequence such a batch holds. */
    int maxLength();

    ProgressListener progress();
}
