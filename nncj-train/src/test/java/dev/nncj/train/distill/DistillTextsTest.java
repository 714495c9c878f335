package dev.nncj.train.distill;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nncj.data.WordSubstitution;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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

    /** Each sentence followed by its rewritings, all unlabeled: the teacher labels them. */
    @Test
    void variantsFollowTheirSentenceAndDropTheLabels() throws IOException {
        Path labelled = Files.writeString(dir.resolve("l.tsv"), "sentence\tlabel\ngood film\t1\n42 42\t0\n");
        WordSubstitution substitution = WordSubstitution.fromEmbeddings(Map.of("good", 0, "great", 1, "film", 2, "movie", 3),
                new float[] {1, 0, 0.9f, 0.1f, 0, 1, 0.1f, 0.9f}, 2, List.of("good film"));
        DistillTexts augmented = DistillTexts.load(labelled).withVariants(substitution, 2, 3);
        assertThat(augmented.isLabeled()).isFalse();
        assertThat(augmented.texts().get(0)).isEqualTo("good film");
        assertThat(augmented.texts()).contains("42 42").hasSizeBetween(3, 4);
        // four words: each is among the other three's 15 nearest
        assertThat(augmented.texts().subList(1, augmented.size() - 1))
                .allMatch(t -> t.matches("(good|great|film|movie) (good|great|film|movie)") && !t.equals("good film"));
        assertThat(DistillTexts.load(labelled).withVariants(substitution, 2, 3).texts()).isEqualTo(augmented.texts());
    }
}
