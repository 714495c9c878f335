package dev.nncj.data;

import dev.nncj.NncjException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * How a {@link DelimitedTable} splits its lines. TSV (GLUE's format) is split on every tab with no
 * quoting, since sentences may contain quote characters; CSV follows RFC 4180: comma-separated,
 * fields optionally in double quotes, a doubled quote inside quotes is one quote, and quoted fields
 * may hold commas and line breaks.
 */
public enum Delimiter {
    TAB('\t'),
    COMMA(',');

    private final char character;

    Delimiter(char character) {
        this.character = character;
    }

    public char character() {
        return character;
    }

    /** TAB for {@code .tsv}, COMMA for {@code .csv} (case-insensitive). */
    public static Delimiter forFile(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".tsv")) {
            return TAB;
        }
        if (name.endsWith(".csv")) {
            return COMMA;
        }
        throw NncjException.inFile(file, "cannot tell the delimiter from the file name; expected .tsv or .csv");
    }
}
