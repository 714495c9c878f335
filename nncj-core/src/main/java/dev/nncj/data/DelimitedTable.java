package dev.nncj.data;

import dev.nncj.NncjException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A TSV or CSV file read whole into rows of string cells, with an optional header row naming the
 * columns. Every row keeps the 1-based line of the file it starts on, so a bad value further up the
 * pipeline (a label that is not a number) is reported as {@code FILE:LINE: problem}.
 *
 * <p>Files are UTF-8 (a leading byte-order mark is dropped); line ends may be LF or CRLF. Empty
 * lines carry no data and are skipped in both formats (an empty line cannot be told apart from a
 * trailing newline). Rows may have different numbers of cells; only a row too short for a column
 * that is asked for is an error.
 */
public final class DelimitedTable {

    /** One data row: its cells and the line it starts on. */
    public record Row(Path file, long line, List<String> cells) {

        public Row {
            cells = List.copyOf(cells);
        }

        /** The cell at a 0-based column; a row too short for it is an error naming file and line. */
        public String get(int column) {
            if (column >= cells.size()) {
                throw NncjException.atLine(file, line,
                        "expected at least " + (column + 1) + " columns, found " + cells.size());
            }
            return cells.get(column);
        }

        public int size() {
            return cells.size();
        }
    }

    private final Path file;
    private final List<String> header;
    private final List<Row> rows;

    private DelimitedTable(Path file, List<String> header, List<Row> rows) {
        this.file = file;
        this.header = List.copyOf(header);
        this.rows = List.copyOf(rows);
    }

    /** Reads {@code file}, choosing the delimiter from its extension (.tsv or .csv). */
    public static DelimitedTable read(Path file, boolean header) {
        return read(file, Delimiter.forFile(file), header);
    }

    public static DelimitedTable read(Path file, Delimiter delimiter, boolean header) {
        return read(file, delimiter, header, TextEncoding.UTF_8);
    }

    /** As {@link #read(Path, boolean)} for a file in {@code encoding}. */
    public static DelimitedTable read(Path file, boolean header, TextEncoding encoding) {
        return read(file, Delimiter.forFile(file), header, encoding);
    }

    public static DelimitedTable read(Path file, Delimiter delimiter, boolean header, TextEncoding encoding) {
        String text = TextFiles.read(file, encoding);
        List<Row> all = delimiter == Delimiter.TAB ? splitTsv(file, text) : new CsvParser(file, text).rows();
        if (!header || all.isEmpty()) {
            return new DelimitedTable(file, List.of(), all);
        }
        return new DelimitedTable(file, all.get(0).cells(), all.subList(1, all.size()));
    }

    public Path file() {
        return file;
    }

    /** The header's column names, or an empty list when the file was read without a header. */
    public List<String> header() {
        return header;
    }

    public boolean hasHeader() {
        return !header.isEmpty();
    }

    /** The data rows, header excluded. */
    public List<Row> rows() {
        return rows;
    }

    public int size() {
        return rows.size();
    }

    /**
     * The 0-based position of {@code column}. A name must be in the header; an index must lie inside
     * the header when there is one (without a header, each row is checked when read).
     */
    public int columnIndex(ColumnRef column) {
        if (column.isIndex()) {
            if (hasHeader() && column.index() >= header.size()) {
                throw NncjException.inFile(file, "column index " + column.index() + " is out of range; the header has "
                        + header.size() + " columns: " + String.join(", ", header));
            }
            return column.index();
        }
        if (!hasHeader()) {
            throw NncjException.inFile(file, "column '" + column.name()
                    + "' is named but the file is read without a header; give a 0-based column index");
        }
        int index = header.indexOf(column.name());
        if (index < 0) {
            throw NncjException.inFile(file, "no column named '" + column.name() + "'; available: "
                    + String.join(", ", header));
        }
        return index;
    }

    private static List<Row> splitTsv(Path file, String text) {
        List<Row> rows = new ArrayList<>();
        long line = 0;
        int start = 0;
        while (start < text.length()) {
            int end = text.indexOf('\n', start);
            if (end < 0) {
                end = text.length();
            }
            line++;
            String content = text.substring(start, end);
            if (content.endsWith("\r")) {
                content = content.substring(0, content.length() - 1);
            }
            if (!content.isEmpty()) {
                rows.add(new Row(file, line, List.of(content.split("\t", -1))));
            }
            start = end + 1;
        }
        return rows;
    }

    /** RFC 4180 reader: a small state machine over the characters, counting lines as it goes. */
    private static final class CsvParser {
        private final Path file;
        private final String text;
        private int pos;
        private long line = 1;

        CsvParser(Path file, String text) {
            this.file = file;
            this.text = text;
        }

        List<Row> rows() {
            List<Row> rows = new ArrayList<>();
            while (pos < text.length()) {
                long startLine = line;
                if (atLineEnd()) { // empty line
                    skipLineEnd();
                    continue;
                }
                List<String> cells = new ArrayList<>();
                while (true) {
                    cells.add(field());
                    if (pos < text.length() && text.charAt(pos) == ',') {
                        pos++;
                        continue;
                    }
                    skipLineEnd();
                    break;
                }
                rows.add(new Row(file, startLine, cells));
            }
            return rows;
        }

        private String field() {
            if (pos < text.length() && text.charAt(pos) == '"') {
                return quotedField();
            }
            int start = pos;
            while (pos < text.length() && text.charAt(pos) != ',' && !atLineEnd()) {
                pos++;
            }
            return text.substring(start, pos);
        }

        private String quotedField() {
            long quoteLine = line;
            pos++; // opening quote
            StringBuilder value = new StringBuilder();
            while (true) {
                if (pos >= text.length()) {
                    throw NncjException.atLine(file, quoteLine, "quoted field is never closed");
                }
                char c = text.charAt(pos++);
                if (c == '"') {
                    if (pos < text.length() && text.charAt(pos) == '"') {
                        value.append('"');
                        pos++;
                        continue;
                    }
                    break;
                }
                if (c == '\n') {
                    line++;
                }
                value.append(c);
            }
            if (pos < text.length() && text.charAt(pos) != ',' && !atLineEnd()) {
                throw NncjException.atLine(file, line, "unexpected '" + text.charAt(pos)
                        + "' after a closing quote; a quote inside a quoted field is written \"\"");
            }
            return value.toString();
        }

        private boolean atLineEnd() {
            char c = text.charAt(pos);
            return c == '\n' || (c == '\r' && (pos + 1 == text.length() || text.charAt(pos + 1) == '\n'));
        }

        private void skipLineEnd() {
            if (pos < text.length() && text.charAt(pos) == '\r') {
                pos++;
            }
            if (pos < text.length() && text.charAt(pos) == '\n') {
                pos++;
                line++;
            }
        }
    }
}
