package dev.nncj.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nncj.NncjException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SentencePairsTest {
    @TempDir
    Path dir;

    @Test
    void defaultColumnsUnderHeaderInAnyOrder() throws Exception {
        Path file = Files.writeString(dir.resolve("sts.tsv"),
                "score\tsentence1\tsentence2\n5.0\tA plane is taking off.\tAn air plane is taking off.\n"
                        + "0.5\tA man plays.\tA cat sleeps.\n");
        SentencePairs pairs = SentencePairs.load(file);
        assertThat(pairs.size()).isEqualTo(2);
        assertThat(pairs.firstSentences()).containsExactly("A plane is taking off.", "A man plays.");
        assertThat(pairs.secondSentences()).containsExactly("An air plane is taking off.", "A cat sleeps.");
        assertThat(pairs.scores()).containsExactly(5.0, 0.5);
        assertThat(pairs.pairs().get(1).line()).isEqualTo(3);
    }

    @Test
    void positionalColumnsWithoutHeader() throws Exception {
        Path file = Files.writeString(dir.resolve("sts.csv"), "\"a, b\",c,3.25\n");
        SentencePairs pairs = SentencePairs.load(file, SentencePairOptions.withoutHeader());
        assertThat(pairs.pairs().get(0)).isEqualTo(new SentencePairs.Pair("a, b", "c", 3.25, 1));
    }

    @Test
    void badScoreNamesLineAndValue() throws Exception {
        Path file = Files.writeString(dir.resolve("sts.tsv"), "sentence1\tsentence2\tscore\na\tb\t1\nc\td\thigh\n");
        assertThatThrownBy(() -> SentencePairs.load(file))
                .isInstanceOf(NncjException.class)
                .hasMessage(file + ":3: score must be a finite number, found 'high'");
        Path nan = Files.writeString(dir.resolve("nan.tsv"), "sentence1\tsentence2\tscore\na\tb\tNaN\n");
        assertThatThrownBy(() -> SentencePairs.load(nan)).hasMessage(nan + ":2: score must be a finite number, found 'NaN'");
    }

    @Test
    void headerOnlyIsAnError() throws Exception {
        Path file = Files.writeString(dir.resolve("sts.tsv"), "sentence1\tsentence2\tscore\n");
        assertThatThrownBy(() -> SentencePairs.load(file)).hasMessage(file + ": no sentence pairs after the header line");
    }
}
