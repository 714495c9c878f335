package dev.nncj.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The validation split of an image set: disjoint, complete, the same every time, and not the file's tail. */
class ImageDatasetHoldOutTest {
    @TempDir
    Path dir;

    /** 40 1x1 images whose one pixel is their index, sorted by class (labels 0 x 20, then 1 x 20). */
    private ImageDataset numbered() throws IOException {
        byte[] pixels = new byte[40];
        byte[] labels = new byte[40];
        for (int i = 0; i < 40; i++) {
            pixels[i] = (byte) i;
            labels[i] = (byte) (i < 20 ? 0 : 1);
        }
        Path images = Files.write(dir.resolve("i.idx"), SyntheticImages.idx(0x00000803, new int[] {40, 1, 1}, pixels));
        Path labelFile = Files.write(dir.resolve("l.idx"), SyntheticImages.idx(0x00000801, new int[] {40}, labels));
        return ImageDataset.load(images, labelFile);
    }

    private static List<Integer> ids(ImageDataset d) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < d.size(); i++) {
            out.add(Math.round(d.pixels(i)[0] * 255));
            assertThat(d.label(i)).as("label follows its image").isEqualTo(out.get(i) < 20 ? 0 : 1);
        }
        return out;
    }

    @Test
    void theSplitIsDisjointCompleteSeededAndDrawsFromEveryClass() throws IOException {
        ImageDataset all = numbered();
        ImageDataset.Split split = all.holdOut(10);
        List<Integer> validation = ids(split.validation());
        List<Integer> train = ids(split.train());
        assertThat(validation).hasSize(10).isSorted();
        assertThat(train).hasSize(30).isSorted();
        Set<Integer> union = new HashSet<>(validation);
        union.addAll(train);
        assertThat(union).hasSize(40);
        assertThat(ids(all.holdOut(10).validation())).as("the same split every time").isEqualTo(validation);
        assertThat(validation).as("a random choice, not the tail of a file sorted by class")
                .anyMatch(i -> i < 20).anyMatch(i -> i >= 20);
        assertThat(Arrays.stream(split.validation().labels()).distinct().count()).isEqualTo(2);
    }

    @Test
    void aSplitMustLeaveTrainingImages() throws IOException {
        ImageDataset all = numbered();
        assertThatThrownBy(() -> all.holdOut(40)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("the set has 40");
        assertThatThrownBy(() -> all.holdOut(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
