package dev.nncj.cli;

import dev.nncj.data.ColumnRef;
import dev.nncj.data.TextClassificationDataset;
import dev.nncj.data.TextClassificationOptions;
import dev.nncj.data.TextEncoding;
import dev.nncj.train.distill.DistillData;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * How a labelled data file is laid out, for files that are not GLUE's {@code sentence<TAB>label} under a
 * header in UTF-8: most public sets (TREC, MR, SUBJ) have no header, put the label first, or are Latin-1.
 * One mixin, so every command that reads such a file reads it the same way.
 */
final class DataFileOptions {
    @Option(names = "--text-column", paramLabel = "NAME|INDEX",
            description = "text column, by header name or 0-based position (default: sentence, or 0 with --no-header)")
    String textColumn;

    @Option(names = "--text-pair-column", paramLabel = "NAME|INDEX", description = "second text column for sentence-pair tasks")
    String textPairColumn;

    @Option(names = "--label-column", paramLabel = "NAME|INDEX",
            description = "integer label column, by header name or 0-based position (default: label, or 1 with --no-header)")
    String labelColumn;

    @Option(names = "--no-header", description = "the data files have no header row (columns are then positions)")
    boolean noHeader;

    @Option(names = "--encoding", defaultValue = "utf-8", paramLabel = "CHARSET",
            description = "the data files' character encoding: utf-8 (default) or latin-1")
    String encoding;

    /** Whether any layout flag was given (else a command may still tell labelled from plain text itself). */
    boolean given() {
        return textColumn != null || textPairColumn != null || labelColumn != null || noHeader || encoding() != TextEncoding.UTF_8;
    }

    TextEncoding encoding() {
        return Flags.choice(TextEncoding.class, encoding, "encoding");
    }

    /** The text column asked for, if any (a sentence file's default is its own). */
    Optional<ColumnRef> textColumn() {
        return Optional.ofNullable(textColumn).map(DataFileOptions::column);
    }

    /** How a labelled file is read. */
    TextClassificationOptions classification() {
        TextClassificationOptions o = noHeader ? TextClassificationOptions.withoutHeader() : TextClassificationOptions.defaults();
        o = new TextClassificationOptions(
                textColumn == null ? o.textColumn() : column(textColumn),
                o.textPairColumn(),
                labelColumn == null ? o.labelColumn() : column(labelColumn),
                o.header(), encoding());
        return textPairColumn == null ? o : o.withTextPair(column(textPairColumn));
    }

    /** Labelled data as these options read it. */
    TextClassificationDataset labelled(Path file) {
        return TextClassificationDataset.load(file, classification());
    }

    /**
     * Training data for distillation: read by these options when any was given; otherwise a file is
     * told labelled (a "label" column) or plain text by itself, as `distill` always did.
     */
    DistillData distillData(Path train, Path eval, Path tokenizer) {
        return given() ? DistillData.load(train, eval, tokenizer, classification()) : DistillData.load(train, eval, tokenizer);
    }

    private static ColumnRef column(String text) {
        try {
            return ColumnRef.parse(text);
        } catch (IllegalArgumentException e) {
            throw new dev.nncj.NncjException("--text-column / --label-column: " + e.getMessage());
        }
    }
}
