package dev.nncj.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nncj.NncjException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextClassificationDatasetTest {
    private static final Path SST2_TEST = Path.of("../data/sst2/test.tsv"); // shipped in the repository

    @TempDir
    Path dir;

    @Test
    void loadsSst2StyleFileWithDefaults() throws Exception {
        Path file = Files.writeString(dir.resolve("sst.tsv"),
                "sentence\tlabel\nit 's a charming journey . \t1\nunflinchingly bleak \t0\nfine\t2\n");
        TextClassificationDataset data = TextClassificationDataset.load(file);
        assertThat(data.size()).isEqualTo(3);
        assertThat(data.texts()).containsExactly("it 's a charming journey . ", "unflinchingly bleak ", "fine");
        assertThat(data.labels()).containsExactly(1, 0, 2);
        assertThat(data.get(1).line()).isEqualTo(3);
        assertThat(data.get(1).textPair()).isEmpty();
        assertThat(data.maxLabel()).isEqualTo(2);
        assertThat(data.numClasses()).isEqualTo(3);
        assertThat(data.classCounts()).containsExactly(1, 1, 1);
        assertThat(data.isPairs()).isFalse();
    }

    @Test
    void loadsSentencePairsWithoutHeader() throws Exception {
        Path file = Files.writeString(dir.resolve("mrpc.csv"), "1,\"A man, walking\",A person walks\n0,x,y\n");
        TextClassificationOptions options = new TextClassificationOptions(
                ColumnRef.parse("1"), Optional.of(ColumnRef.parse("2")), ColumnRef.parse("0"), false);
        TextClassificationDataset data = TextClassificationDataset.load(file, options);
        assertThat(data.isPairs()).isTrue();
        assertThat(data.texts()).containsExactly("A man, walking", "x");
        assertThat(data.textPairs()).containsExactly("A person walks", "y");
        assertThat(data.labels()).containsExactly(1, 0);
        assertThat(data.get(0).line()).isEqualTo(1);
    }

    @Test
    void nonIntegerLabelNamesLineAndValue() throws Exception {
        Path file = Files.writeString(dir.resolve("bad.tsv"), "sentence\tlabel\ngood\t1\nbad\tpositive\n");
        assertThatThrownBy(() -> TextClassificationDataset.load(file))
                .isInstanceOf(NncjException.class)
                .hasMessage(file + ":3: label must be an integer >= 0, found 'positive'");
        Path negative = Files.writeString(dir.resolve("neg.tsv"), "sentence\tlabel\ngood\t-1\n");
        assertThatThrownBy(() -> TextClassificationDataset.load(negative))
                .hasMessage(negative + ":2: label must be an integer >= 0, found '-1'");
    }

    @Test
    void missingLabelCellNamesLine() throws Exception {
        Path file = Files.writeString(dir.resolve("short.tsv"), "sentence\tlabel\ngood\t1\nno label here\n");
        assertThatThrownBy(() -> TextClassificationDataset.load(file))
                .hasMessage(file + ":3: expected at least 2 columns, found 1");
    }

    @Test
    void emptyFileIsAClearError() throws Exception {
        Path headerOnly = Files.writeString(dir.resolve("empty.tsv"), "sentence\tlabel\n");
        assertThatThrownBy(() -> TextClassificationDataset.load(headerOnly))
                .hasMessage(headerOnly + ": no examples after the header line");
        Path nothing = Files.writeString(dir.resolve("nothing.tsv"), "");
        assertThatThrownBy(() -> TextClassificationDataset.load(nothing, TextClassificationOptions.withoutHeader()))
                .hasMessage(nothing + ": no examples");
    }

    @Test
    void wrongColumnNameListsHeader() throws Exception {
        Path file = Files.writeString(dir.resolve("a.tsv"), "text\ty\nx\t1\n");
        assertThatThrownBy(() -> TextClassificationDataset.load(file))
                .hasMessage(file + ": no column named 'sentence'; available: text, y");
    }

    @Test
    void realSst2TestSplit() {
        TextClassificationDataset data = TextClassificationDataset.load(SST2_TEST);
        assertThat(data.size()).isEqualTo(872); // GLUE validation set
        assertThat(data.numClasses()).isEqualTo(2);
        assertThat(data.get(0).text()).startsWith("it 's a charming and often affecting journey");
        assertThat(data.get(0).label()).isEqualTo(1);
        assertThat(data.get(0).line()).isEqualTo(2);
    }
}
