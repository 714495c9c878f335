package dev.nncj.train.distill;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DistillTextsTest {
    @TempDir
    Path dir;

    /** Labelled only with a label column; a TSV without one and a .txt file are unlabeled text. */
    @Test
    void aLabelColumnMakesTextLabelled() throws IOException {
        Path labelled = Files.writeString(dir.resolve("l.tsv"), "sentence\tlabel\nthe cat\t1\na dog\t0\n");
        Path noLabel = Files.writeString(dir.resolve("u.tsv"), "sentence\tsource\nthe cat\tweb\na dog\tweb\nthe mat\tweb\n");
        Path lines = Files.writeString(dir.resolve("u.txt"), "the cat\n\na dog\n");
        assertThat(DistillTexts.load(labelled).isLabeled()).isTrue();
        assertThat(DistillTexts.load(labelled).maxLabel()).hasValue(1);
        assertThat(DistillTexts.load(noLabel).isLabeled()).isFalse();
        assertThat(DistillTexts.load(noLabel).size()).isEqualTo(3);
        assertThat(DistillTexts.load(lines).isLabeled()).isFalse();
        assertThat(DistillTexts.load(lines).size()).isEqualTo(2);
        assertThat(DistillTexts.load(noLabel).firstN(2).size()).isEqualTo(2);
    }
}
