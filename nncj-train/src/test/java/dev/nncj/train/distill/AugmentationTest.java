package dev.nncj.train.distill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nncj.NncjException;
import dev.nncj.transformer.EncoderLifter;
import dev.nncj.transformer.EncoderSpec;
import dev.nncj.transformer.TinyEncoders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AugmentationTest {
    @TempDir
    Path dir;

    private final EncoderSpec teacher = EncoderLifter.lift(
            TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L), false), Path.of("tiny"));

    @Test
    void eachSentenceIsFollowedByItsRewritingsAllUnlabeled() throws IOException {
        DistillFixtures.data(dir);
        DistillData data = DistillFixtures.trainAndDev(dir);
        DistillData augmented = Augmentation.of(data, teacher, 10, 2, 1);
        assertThat(augmented.train().isLabeled()).isFalse();
        assertThat(augmented.train().size()).isGreaterThan(10).isLessThanOrEqualTo(30);
        assertThat(augmented.train().texts().get(0)).isEqualTo(data.train().texts().get(0));
        assertThat(augmented.eval()).isEqualTo(data.eval());
    }

    @Test
    void textWithNoWholeWordOfTheVocabularyIsRefusedWithOneLine() throws IOException {
        DistillFixtures.data(dir);
        Path unknown = Files.writeString(dir.resolve("unknown.tsv"), "sentence\tlabel\nqqq zzz\t1\nxx 42\t0\n");
        DistillData data = DistillData.load(unknown, null, dir.resolve("tokenizer.json"));
        assertThatThrownBy(() -> Augmentation.of(data, teacher, 10, 2, 1)).isInstanceOf(NncjException.class)
                .hasMessageContaining("tokenizer.json").hasMessageContaining("cannot rewrite");
    }
}
