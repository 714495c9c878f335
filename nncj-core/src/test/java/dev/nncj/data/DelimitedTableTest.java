package dev.nncj.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nncj.NncjException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DelimitedTableTest {
    @TempDir
    Path dir;

    private Path write(String name, String content) throws Exception {
        return Files.writeString(dir.resolve(name), content);
    }

    @Test
    void tsvSplitsOnTabsWithoutQuotingAndKeepsLineNumbers() throws Exception {
        Path file = write("a.tsv", "sentence\tlabel\n\"quoted\" text , here\t1\n\nsecond\t0\r\n");
        DelimitedTable table = DelimitedTable.read(file, true);
        assertThat(table.header()).containsExactly("sentence", "label");
        assertThat(table.rows()).hasSize(2);
        assertThat(table.rows().get(0).cells()).containsExactly("\"quoted\" text , here", "1");
        assertThat(table.rows().get(0).line()).isEqualTo(2);
        assertThat(table.rows().get(1).cells()).containsExactly("second", "0"); // CR dropped
        assertThat(table.rows().get(1).line()).isEqualTo(4); // the empty line 3 is skipped but counted
    }

    @Test
    void csvFollowsRfc4180() throws Exception {
        Path file = write("a.csv", "text,label\r\n"
                + "\"hello, world\",1\r\n"
                + "\"she said \"\"hi\"\"\",0\r\n"
                + "\"two\nlines\",1\r\n"
                + "plain,,\r\n");
        DelimitedTable table = DelimitedTable.read(file, true);
        assertThat(table.rows()).extracting(DelimitedTable.Row::cells).containsExactly(
                java.util.List.of("hello, world", "1"),
                java.util.List.of("she said \"hi\"", "0"),
                java.util.List.of("two\nlines", "1"),
                java.util.List.of("plain", "", ""));
        assertThat(table.rows()).extracting(DelimitedTable.Row::line).containsExactly(2L, 3L, 4L, 6L);
    }

    @Test
    void unterminatedQuoteNamesTheLineWhereItOpened() throws Exception {
        Path file = write("bad.csv", "a,b\n\"open,1\n2,3\n");
        assertThatThrownBy(() -> DelimitedTable.read(file, true))
                .isInstanceOf(NncjException.class)
                .hasMessage(file + ":2: quoted field is never closed");
    }

    @Test
    void textAfterClosingQuoteIsAnError() throws Exception {
        Path file = write("bad.csv", "x\n\"a\"b\n");
        assertThatThrownBy(() -> DelimitedTable.read(file, true))
                .hasMessageStartingWith(file + ":2: unexpected 'b' after a closing quote");
    }

    @Test
    void columnsByNameOrIndex() throws Exception {
        DelimitedTable table = DelimitedTable.read(write("a.tsv", "sentence\tlabel\nx\t1\n"), true);
        assertThat(table.columnIndex(ColumnRef.parse("label"))).isEqualTo(1);
        assertThat(table.columnIndex(ColumnRef.parse("0"))).isEqualTo(0);
    }

    @Test
    void unknownColumnListsTheAvailableOnes() throws Exception {
        Path file = write("a.tsv", "sentence\tlabel\nx\t1\n");
        DelimitedTable table = DelimitedTable.read(file, true);
        assertThatThrownBy(() -> table.columnIndex(ColumnRef.parse("text")))
                .isInstanceOf(NncjException.class)
                .hasMessage(file + ": no column named 'text'; available: sentence, label");
        assertThatThrownBy(() -> table.columnIndex(ColumnRef.parse("2")))
                .hasMessageStartingWith(file + ": column index 2 is out of range");
    }

    @Test
    void namedColumnWithoutHeaderIsAnError() throws Exception {
        Path file = write("a.tsv", "x\t1\n");
        DelimitedTable table = DelimitedTable.read(file, false);
        assertThat(table.hasHeader()).isFalse();
        assertThat(table.rows().get(0).line()).isEqualTo(1);
        assertThatThrownBy(() -> table.columnIndex(ColumnRef.parse("label")))
                .hasMessageContaining("read without a header");
    }

    @Test
    void shortRowNamesFileAndLine() throws Exception {
        Path file = write("a.tsv", "a\tb\tc\n1\t2\t3\n4\t5\n");
        DelimitedTable table = DelimitedTable.read(file, true);
        DelimitedTable.Row row = table.rows().get(1);
        assertThatThrownBy(() -> row.get(2))
                .isInstanceOf(NncjException.class)
                .hasMessage(file + ":3: expected at least 3 columns, found 2");
    }

    @Test
    void missingFileAndUnknownExtension() throws Exception {
        Path missing = dir.resolve("nope.tsv");
        assertThatThrownBy(() -> DelimitedTable.read(missing, true))
                .isInstanceOf(NncjException.class)
                .hasMessage(missing + ": file not found");
        Path other = write("data.json", "{}");
        assertThatThrownBy(() -> DelimitedTable.read(other, true))
                .hasMessage(other + ": cannot tell the delimiter from the file name; expected .tsv or .csv");
        assertThat(DelimitedTable.read(other, Delimiter.COMMA, false).rows()).hasSize(1);
    }

    @Test
    void invalidUtf8IsNamed() throws Exception {
        Path file = Files.write(dir.resolve("latin1.tsv"), new byte[] {'o', 'k', '\n', 'c', 'a', 'f', (byte) 0xe9, '\n'});
        assertThatThrownBy(() -> DelimitedTable.read(file, false))
                .isInstanceOfSatisfying(NncjException.class, e -> {
                    assertThat(e.getMessage()).startsWith(file + ":2: not valid UTF-8 (byte 0xE9); if the file is Latin-1");
                    assertThat(e.options()).containsExactly(dev.nncj.OptionName.of("encoding"));
                });
        assertThat(DelimitedTable.read(file, false, TextEncoding.LATIN_1).rows().get(1).get(0)).isEqualTo("caf\u00e9");
    }

    @Test
    void columnRefParsing() {
        assertThat(ColumnRef.parse("12")).isEqualTo(ColumnRef.ofIndex(12));
        assertThat(ColumnRef.parse("12a")).isEqualTo(ColumnRef.ofName("12a"));
        assertThat(ColumnRef.parse("sentence").isIndex()).isFalse();
        assertThat(ColumnRef.parse("3").toString()).isEqualTo("3");
        assertThatThrownBy(() -> ColumnRef.parse("")).isInstanceOf(IllegalArgumentException.class);
    }
}
