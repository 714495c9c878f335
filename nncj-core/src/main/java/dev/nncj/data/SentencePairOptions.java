package dev.nncj.data;

import java.util.Objects;

/**
 * Which columns of an STS-style file hold the two sentences and their gold similarity score.
 * {@link #defaults()}: a header naming sentence1, sentence2 and score; {@link #withoutHeader()}:
 * columns 0, 1 and 2.
 */
public record SentencePairOptions(
        ColumnRef firstColumn, ColumnRef secondColumn, ColumnRef scoreColumn, boolean header) {

    public SentencePairOptions {
        Objects.requireNonNull(firstColumn, "firstColumn");
        Objects.requireNonNull(secondColumn, "secondColumn");
        Objects.requireNonNull(scoreColumn, "scoreColumn");
    }

    public static SentencePairOptions defaults() {
        return new SentencePairOptions(
                ColumnRef.ofName("sentence1"), ColumnRef.ofName("sentence2"), ColumnRef.ofName("score"), true);
    }

    public static SentencePairOptions withoutHeader() {
        return new SentencePairOptions(ColumnRef.ofIndex(0), ColumnRef.ofIndex(1), ColumnRef.ofIndex(2), false);
    }
}
