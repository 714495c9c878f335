package dev.nncj.data;

import dev.nncj.NncjException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Labelled text for a classifier: single sentences (SST-2) or sentence pairs (MRPC), each with an
 * integer class label &gt;= 0 and the file line it came from. The number of classes is taken as the
 * largest label + 1, as GLUE numbers its classes from 0 without gaps.
 */
public final class TextClassificationDataset {

    /** One labelled example; {@code textPair} is present only for sentence-pair tasks. */
    public record Example(String text, Optional<String> textPair, int label, long line) {}

    private final Path file;
    private final List<Example> examples;
    private final boolean pairs;
    private final int maxLabel;

    private TextClassificationDataset(Path file, List<Example> examples, boolean pairs) {
        this.file = file;
        this.examples = List.copyOf(examples);
        this.pairs = pairs;
        this.maxLabel = examples.stream().mapToInt(Example::label).max().orElseThrow();
    }

    /** The first {@code n} examples (all when there are fewer), for quick evaluations. */
    public TextClassificationDataset firstN(int n) {
        if (n < 1) {
            throw new dev.nncj.NncjException("the example limit must be at least 1, got " + n);
        }
        return n >= examples.size() ? this : new TextClassificationDataset(file, examples.subList(0, n), pairs);
    }

    /** Loads a GLUE SST-2 style file: header, "sentence" and "label" columns. */
    public static TextClassificationDataset load(Path file) {
        return load(file, TextClassificationOptions.defaults());
    }

    public static TextClassificationDataset load(Path file, TextClassificationOptions options) {
        DelimitedTable table = DelimitedTable.read(file, options.header(), options.encoding());
        int text = table.columnIndex(options.textColumn());
        Optional<Integer> pair = options.textPairColumn().map(table::columnIndex);
        int label = table.columnIndex(options.labelColumn());
        List<Example> examples = new ArrayList<>(table.size());
        for (DelimitedTable.Row row : table.rows()) {
            examples.add(new Example(
                    row.get(text), pair.map(row::get), parseLabel(file, row, label), row.line()));
        }
        if (examples.isEmpty()) {
            throw NncjException.inFile(file, "no examples" + (options.header() ? " after the header line" : ""));
        }
        return new TextClassificationDataset(file, examples, pair.isPresent());
    }

    private static int parseLabel(Path file, DelimitedTable.Row row, int column) {
        String value = row.get(column).strip();
        int label;
        try {
            label = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw NncjException.atLine(file, row.line(), "label must be an integer >= 0, found '" + value + "'");
        }
        if (label < 0) {
            throw NncjException.atLine(file, row.line(), "label must be an integer >= 0, found '" + value + "'");
        }
        return label;
    }

    public Path file() {
        return file;
    }

    public List<Example> examples() {
        return examples;
    }

    public Example get(int i) {
        return examples.get(i);
    }

    public int size() {
        return examples.size();
    }

    /** True when every example has a second text. */
    public boolean isPairs() {
        return pairs;
    }

    public List<String> texts() {
        return examples.stream().map(Example::text).toList();
    }

    /** The second texts of a sentence-pair dataset; an error for single sentences. */
    public List<String> textPairs() {
        if (!pairs) {
            throw new IllegalStateException(file + " was loaded without a text pair column");
        }
        return examples.stream().map(e -> e.textPair().orElseThrow()).toList();
    }

    public int[] labels() {
        return examples.stream().mapToInt(Example::label).toArray();
    }

    public int maxLabel() {
        return maxLabel;
    }

    public int numClasses() {
        return maxLabel + 1;
    }

    /** How many examples carry each label, indexed by label; the majority-class baseline is its max / size. */
    public long[] classCounts() {
        long[] counts = new long[numClasses()];
        for (Example e : examples) {
            counts[e.label()]++;
        }
        return counts;
    }
}
