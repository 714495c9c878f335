package dev.nncj.data;

import dev.nncj.NncjException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Plain sentences, for comparing the embeddings of two models on the same text. A {@code .txt} file
 * holds one sentence per line (blank lines skipped); a {@code .tsv} or {@code .csv} file is read with
 * a header, from the column named "sentence" when there is one and the first column otherwise, so
 * the SST-2 files serve as they are.
 */
public final class SentenceFile {
    private static final String DEFAULT_COLUMN = "sentence";

    private SentenceFile() {}

    /** Reads with the defaults above. */
    public static List<String> read(Path file) {
        return read(file, Optional.empty(), true);
    }

    /**
     * Reads the given column of a TSV/CSV file; an empty {@code column} means the default ("sentence"
     * or the first). A {@code .txt} file is read line by line whatever the options say.
     */
    public static List<String> read(Path file, Optional<ColumnRef> column, boolean header) {
        return read(file, column, header, TextEncoding.UTF_8);
    }

    /** As {@link #read(Path, Optional, boolean)} for a file in {@code encoding}. */
    public static List<String> read(Path file, Optional<ColumnRef> column, boolean header, TextEncoding encoding) {
        if (isPlainText(file)) {
            return readLines(file, encoding);
        }
        DelimitedTable table = DelimitedTable.read(file, header, encoding);
        int index = column.map(table::columnIndex)
                .orElseGet(() -> table.header().contains(DEFAULT_COLUMN)
                        ? table.columnIndex(ColumnRef.ofName(DEFAULT_COLUMN)) : 0);
        return fromTable(table, index);
    }

    private static boolean isPlainText(Path file) {
        return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".txt");
    }

    private static List<String> fromTable(DelimitedTable table, int column) {
        List<String> sentences = table.rows().stream().map(row -> row.get(column)).toList();
        if (sentences.isEmpty()) {
            throw NncjException.inFile(table.file(), "no sentences");
        }
        return sentences;
    }

    private static List<String> readLines(Path file, TextEncoding encoding) {
        String text = TextFiles.read(file, encoding);
        List<String> sentences = text.lines().filter(line -> !line.isBlank()).toList();
        if (sentences.isEmpty()) {
            throw NncjException.inFile(file, "no sentences");
        }
        return sentences;
    }
}
