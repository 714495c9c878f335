package dev.nncj.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nncj.OptionException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rule that selection data is never test data: the three ways two files are the same data, and splits that pass. */
class HeldOutDataTest {
    @TempDir
    Path dir;

    /** A header and sentences s{from}..s{to - 1}, each with a label. */
    private Path tsv(String name, int from, int to) throws IOException {
        String rows = IntStream.range(from, to).mapToObj(i -> "sentence " + i + "\t" + (i % 2)).collect(Collectors.joining("\n"));
        return Files.writeString(dir.resolve(name), "sentence\tlabel\n" + rows + "\n");
    }

    private static void refuse(Path selection, Path test) {
        HeldOutData.refuseShared(HeldOutData.Role.selection(selection).from("--eval"),
                HeldOutData.Role.test(test).from("--test"));
    }

    @Test
    void theSameFileUnderAnotherNameIsRefusedNamingBothRoles() throws IOException {
        Path dev = tsv("dev.tsv", 0, 10);
        Path viaDots = dir.resolve("sub/../dev.tsv");
        Files.createDirectories(dir.resolve("sub"));
        assertThatThrownBy(() -> refuse(dev, viaDots)).isInstanceOf(OptionException.class)
                .hasMessage(dev + " (selection data, --eval) and " + viaDots + " (test data, --test) are the same file: a figure"
                        + " reported on the data that selected it is not a test figure; keep the two apart");
        Path link = Files.createSymbolicLink(dir.resolve("link.tsv"), dev);
        assertThatThrownBy(() -> refuse(link, dev)).hasMessageContaining("are the same file");
    }

    @Test
    void aCopyIsRefusedForItsIdenticalContent() throws IOException {
        Path dev = tsv("dev.tsv", 0, 10);
        Path copy = Files.copy(dev, dir.resolve("test.tsv"));
        assertThatThrownBy(() -> refuse(dev, copy)).isInstanceOf(OptionException.class)
                .hasMessageStartingWith(dev + " (selection data, --eval) and " + copy + " (test data, --test) have identical content:");
    }

    @Test
    void aTestFileMostlyMadeOfTheSelectionLinesIsRefused() throws IOException {
        Path dev = tsv("dev.tsv", 0, 100);
        // 6 of its 10 lines are dev's (reordered: lines are a set): 60% > 50%
        List<String> lines = List.of("sentence\tlabel", "sentence 7\t1", "sentence 3\t1", "new a\t0", "sentence 1\t1",
                "new b\t1", "sentence 2\t0", "new c\t0", "sentence 4\t0", "new d\t1", "sentence 5\t1", "");
        Path test = Files.write(dir.resolve("test.tsv"), lines);
        assertThatThrownBy(() -> refuse(dev, test)).isInstanceOf(OptionException.class)
                .hasMessageContaining("share 6 of the test file's 10 distinct lines (more than 50%)");
    }

    @Test
    void halfTheLinesSharedIsStillASplit() throws IOException {
        Path dev = tsv("dev.tsv", 0, 10);
        Path test = tsv("test.tsv", 5, 15); // s5..s9 shared: 5 of 10, not more than half; the shared header is not counted
        assertThatCode(() -> refuse(dev, test)).doesNotThrowAnyException();
        assertThat(HeldOutData.shared(Files.readAllLines(dev), Files.readAllLines(test))).isEqualTo(new HeldOutData.Shared(5, 10));
    }

    @Test
    void trailingSpacesAndBlankLinesDoNotHideASharedLine() {
        assertThat(HeldOutData.shared(List.of("h", "a ", "b"), List.of("h", "a", "", "c")))
                .isEqualTo(new HeldOutData.Shared(1, 2));
    }

    @Test
    void binaryFilesAreComparedByBytesOnly() throws IOException {
        byte[] a = {0, 0, 8, 3, '\n', 7, 7, '\n'};
        byte[] b = {0, 0, 8, 3, '\n', 7, 7, '\n', 9};
        Path train = Files.write(dir.resolve("train.idx"), a);
        Path test = Files.write(dir.resolve("test.idx"), b); // every "line" of test is in train: meaningless for binary
        assertThatCode(() -> refuse(train, test)).doesNotThrowAnyException();
        Path copy = Files.write(dir.resolve("copy.idx"), a);
        assertThatThrownBy(() -> refuse(train, copy)).hasMessageContaining("have identical content");
    }

    @Test
    void aMissingFileIsLeftToItsReader() throws IOException {
        Path dev = tsv("dev.tsv", 0, 10);
        assertThatCode(() -> refuse(dev, dir.resolve("none.tsv"))).doesNotThrowAnyException();
    }
}
