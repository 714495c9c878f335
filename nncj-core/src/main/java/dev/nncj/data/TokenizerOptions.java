package dev.nncj.data;

import java.util.Objects;

/**
 * How {@link TextTokenizer} shapes its output. {@code maxLength} counts the special tokens
 * ([CLS], [SEP]) too, as Hugging Face does; with {@code truncation} longer inputs are cut to it
 * (the longer text of a pair first), without it they are an error under MAX_LENGTH padding and kept
 * whole under LONGEST.
 */
public record TokenizerOptions(int maxLength, Padding padding, boolean truncation) {
    public static final int DEFAULT_MAX_LENGTH = 128;

    public TokenizerOptions {
        Objects.requireNonNull(padding, "padding");
        if (maxLength < 1) {
            throw new IllegalArgumentException("maxLength must be >= 1, got " + maxLength);
        }
    }

    /** Max length 128, pad to the longest of each batch, truncate. */
    public static TokenizerOptions defaults() {
        return new TokenizerOptions(DEFAULT_MAX_LENGTH, Padding.LONGEST, true);
    }

    public TokenizerOptions withMaxLength(int length) {
        return new TokenizerOptions(length, padding, truncation);
    }

    public TokenizerOptions withPadding(Padding value) {
        return new TokenizerOptions(maxLength, value, truncation);
    }

    public TokenizerOptions withTruncation(boolean value) {
        return new TokenizerOptions(maxLength, padding, value);
    }
}
