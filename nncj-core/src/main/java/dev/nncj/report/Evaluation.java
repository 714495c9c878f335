package dev.nncj.report;

import dev.nncj.data.TextClassificationDataset;
import java.nio.file.Path;
import java.util.List;

/** What a before/after report scores the two models on, if anything. */
public sealed interface Evaluation {
    /** No task metric; size and latency only. */
    record None() implements Evaluation {}

    /** Sentence embedders: mean cosine of the compressed model's embeddings to the original's. */
    record EmbeddingFidelity(List<String> sentences, Path tokenizer) implements Evaluation {}

    /** Classifiers: accuracy of each model on labelled data. */
    record TextClassification(TextClassificationDataset data, Path tokenizer) implements Evaluation {}
}
