package dev.nncj.data;

import java.util.Objects;
import java.util.Optional;

/**
 * Which columns of a TSV/CSV file hold the text, the optional second text of a sentence-pair task
 * (MRPC, RTE, QNLI) and the integer label, and whether the first line is a header.
 * and the file's character encoding. {@link #defaults()} reads GLUE SST-2 ({@code sentence<TAB>label}
 * under a header, UTF-8).
 */
public record TextClassificationOptions(
        ColumnRef textColumn, Optional<ColumnRef> textPairColumn, ColumnRef labelColumn, boolean header,
        TextEncoding encoding) {

    public TextClassificationOptions {
        Objects.requireNonNull(textColumn, "textColumn");
        Objects.requireNonNull(textPairColumn, "textPairColumn");
        Objects.requireNonNull(labelColumn, "labelColumn");
        Objects.requireNonNull(encoding, "encoding");
    }

    /** A UTF-8 file. */
    public TextClassificationOptions(ColumnRef textColumn, Optional<ColumnRef> textPairColumn, ColumnRef labelColumn,
                                     boolean header) {
        this(textColumn, textPairColumn, labelColumn, header, TextEncoding.UTF_8);
    }

    /** Header row; text in "sentence", label in "label" (GLUE SST-2). */
    public static TextClassificationOptions defaults() {
        return new TextClassificationOptions(
                ColumnRef.ofName("sentence"), Optional.empty(), ColumnRef.ofName("label"), true);
    }

    /** No header; text in column 0, label in column 1. */
    public static TextClassificationOptions withoutHeader() {
        return new TextClassificationOptions(ColumnRef.ofIndex(0), Optional.empty(), ColumnRef.ofIndex(1), false);
    }

    /** The same options with a second text column, for sentence-pair tasks. */
    public TextClassificationOptions withTextPair(ColumnRef column) {
        return new TextClassificationOptions(textColumn, Optional.of(column), labelColumn, header, encoding);
    }

    /** The same options for a file in {@code encoding}. */
    public TextClassificationOptions withEncoding(TextEncoding encoding) {
        return new TextClassificationOptions(textColumn, textPairColumn, labelColumn, header, encoding);
    }
}
