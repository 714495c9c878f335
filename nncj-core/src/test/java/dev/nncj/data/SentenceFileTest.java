package dev.nncj.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SentenceFileTest {
    @TempDir
    Path dir;

    @Test
    void textFileIsOneSentencePerNonEmptyLine() throws Exception {
        Path file = Files.writeString(dir.resolve("s.txt"), "first one\n\n   \nsecond one\r\nthird");
        assertThat(SentenceFile.read(file)).containsExactly("first one", "second one", "third");
    }

    @Test
    void tableUsesSentenceColumnWhenPresent() throws Exception {
        Path file = Files.writeString(dir.resolve("s.tsv"), "label\tsentence\n1\thello\n0\tworld\n");
        assertThat(SentenceFile.read(file)).containsExactly("hello", "world");
    }

    @Test
    void tableFallsBackToFirstColumn() throws Exception {
        Path file = Files.writeString(dir.resolve("s.csv"), "text,label\n\"hi, there\",1\n");
        assertThat(SentenceFile.read(file)).containsExactly("hi, there");
    }

    @Test
    void explicitColumnWithoutHeader() throws Exception {
        Path file = Files.writeString(dir.resolve("s.tsv"), "1\talpha\n0\tbeta\n");
        assertThat(SentenceFile.read(file, Optional.of(ColumnRef.parse("1")), false)).containsExactly("alpha", "beta");
    }

    @Test
    void emptyFilesAreErrors() throws Exception {
        Path txt = Files.writeString(dir.resolve("e.txt"), "\n\n");
        assertThatThrownBy(() -> SentenceFile.read(txt)).hasMessage(txt + ": no sentences");
        Path tsv = Files.writeString(dir.resolve("e.tsv"), "sentence\n");
        assertThatThrownBy(() -> SentenceFile.read(tsv)).hasMessage(tsv + ": no sentences");
        Path missing = dir.resolve("missing.txt");
        assertThatThrownBy(() -> SentenceFile.read(missing)).hasMessage(missing + ": file not found");
    }
}
