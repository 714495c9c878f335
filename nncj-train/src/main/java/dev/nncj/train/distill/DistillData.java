package dev.nncj.train.distill;

import dev.nncj.data.TextClassificationDataset;
import dev.nncj.data.TextClassificationOptions;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * What distillation reads: the training text (labelled or not), an optional labelled set the
 * student is evaluated on between steps to keep its best weights, and the tokenizer both teacher
 * and student were trained with.
 */
public record DistillData(DistillTexts train, Optional<TextClassificationDataset> eval, Path tokenizer) {
    public DistillData {
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(eval, "eval");
        Objects.requireNonNull(tokenizer, "tokenizer");
    }

    /** Loads the files; {@code eval} may be null. */
    public static DistillData load(Path train, Path eval, Path tokenizer) {
        return new DistillData(DistillTexts.load(train),
                Optional.ofNullable(eval).map(TextClassificationDataset::load), tokenizer);
    }

    /**
     * Loads labelled files read by {@code data} (columns, header, encoding); {@code eval} may be null.
     * Options that name the columns say the data is labelled, so the file is not sniffed for a label header.
     */
    public static DistillData load(Path train, Path eval, Path tokenizer, TextClassificationOptions data) {
        return new DistillData(DistillTexts.labeled(TextClassificationDataset.load(train, data)),
                Optional.ofNullable(eval).map(f -> TextClassificationDataset.load(f, data)), tokenizer);
    }
}
