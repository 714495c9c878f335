package dev.nncj.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.nncj.NncjException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageDatasetTest {
    @TempDir
    Path dir;

    private static byte[] idx(int magic, int[] shape, byte[] data) throws IOException {
        return SyntheticImages.idx(magic, shape, data);
    }

    private Path write(String name, byte[] content, boolean gzip) throws IOException {
        Path file = dir.resolve(name);
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(file)) : Files.newOutputStream(file)) {
            out.write(content);
        }
        return file;
    }

    // Two 2x3 images: the first a ramp 0, 51, 102, 153, 204, 255; the second all 255.
    private static final byte[] PIXELS = {0, 51, 102, (byte) 153, (byte) 204, (byte) 255,
        (byte) 255, (byte) 255, (byte) 255, (byte) 255, (byte) 255, (byte) 255};

    @Test
    void readsPlainAndGzippedFilesAlike() throws Exception {
        for (boolean gzip : new boolean[] {false, true}) {
            // names without .gz: compression is detected from the content
            Path images = write("images" + gzip, idx(0x803, new int[] {2, 2, 3}, PIXELS), gzip);
            Path labels = write("labels" + gzip, idx(0x801, new int[] {2}, new byte[] {7, 3}), gzip);
            ImageDataset data = ImageDataset.load(images, labels);
            assertThat(data.size()).isEqualTo(2);
            assertThat(data.rows()).isEqualTo(2);
            assertThat(data.cols()).isEqualTo(3);
            assertThat(data.pixels(0)).containsExactly(new float[] {0f, 0.2f, 0.4f, 0.6f, 0.8f, 1f}, within(1e-6f));
            assertThat(data.pixels(1)).containsOnly(1f);
            assertThat(data.pixels(0, 2)).hasSize(12);
            assertThat(data.label(0)).isEqualTo(7);
            assertThat(data.label(1)).isEqualTo(3);
            assertThat(data.numClasses()).isEqualTo(8);
        }
    }

    @Test
    void labelsAboveOneHundredTwentySevenAreUnsigned() throws Exception {
        Path labels = write("l", idx(0x801, new int[] {1}, new byte[] {(byte) 200}), false);
        assertThat(IdxReader.readLabels(labels).unsigned(0)).isEqualTo(200);
    }

    @Test
    void wrongMagicNamesFileAndSaysWhatItIs() throws Exception {
        Path labels = write("labels", idx(0x801, new int[] {2}, new byte[] {1, 2}), false);
        assertThatThrownBy(() -> ImageDataset.load(labels, labels))
                .isInstanceOf(NncjException.class)
                .hasMessage(labels + ": not an IDX image file: magic number 0x00000801, expected 0x00000803"
                        + " (this is a label file)");
        Path text = Files.writeString(dir.resolve("readme"), "hello world, not idx");
        assertThatThrownBy(() -> IdxReader.readLabels(text))
                .hasMessageStartingWith(text + ": not an IDX label file: magic number 0x68656C6C");
    }

    @Test
    void truncatedDataAndHeaderAreReported() throws Exception {
        byte[] full = idx(0x803, new int[] {2, 2, 3}, PIXELS);
        Path cut = write("cut", Arrays.copyOf(full, full.length - 5), false);
        assertThatThrownBy(() -> IdxReader.readImages(cut))
                .hasMessage(cut + ": truncated IDX file: shape [2, 2, 3] needs 12 bytes of data, found 7");
        Path header = write("header", Arrays.copyOf(full, 10), false);
        assertThatThrownBy(() -> IdxReader.readImages(header))
                .hasMessage(header + ": truncated IDX file: header ends at byte 10");
        byte[] gz = gzip(full);
        Path cutGz = write("cut.gz", Arrays.copyOf(gz, gz.length - 12), false);
        assertThatThrownBy(() -> IdxReader.readImages(cutGz)).hasMessageStartingWith(cutGz + ": truncated IDX file");
    }

    @Test
    void extraDataIsReported() throws Exception {
        byte[] data = idx(0x801, new int[] {2}, new byte[] {1, 2, 3});
        Path file = write("extra", data, false);
        assertThatThrownBy(() -> IdxReader.readLabels(file))
                .hasMessage(file + ": IDX file has more data than its header declares (shape [2])");
    }

    @Test
    void countMismatchNamesBothFiles() throws Exception {
        Path images = write("images", idx(0x803, new int[] {2, 2, 3}, PIXELS), false);
        Path labels = write("labels", idx(0x801, new int[] {3}, new byte[] {1, 2, 3}), false);
        assertThatThrownBy(() -> ImageDataset.load(images, labels))
                .hasMessage(labels + ": has 3 labels but " + images + " has 2 images");
    }

    @Test
    void missingFile() {
        Path missing = dir.resolve("none-idx3-ubyte.gz");
        assertThatThrownBy(() -> IdxReader.readImages(missing)).hasMessage(missing + ": file not found");
    }

    @Test
    void fashionMnistTestSet() {
        Path images = RequiredDatasets.FASHION_MNIST.resolve("t10k-images-idx3-ubyte.gz");
        Path labels = RequiredDatasets.FASHION_MNIST.resolve("t10k-labels-idx1-ubyte.gz");
        RequiredDatasets.require("dataset-fashion-mnist", images, labels);
        ImageDataset data = ImageDataset.load(images, labels);
        assertThat(data.size()).isEqualTo(10_000);
        assertThat(data.rows()).isEqualTo(28);
        assertThat(data.cols()).isEqualTo(28);
        assertThat(data.numClasses()).isEqualTo(10);
        long[] perClass = new long[10];
        for (int label : data.labels()) {
            perClass[label]++;
        }
        assertThat(perClass).containsOnly(1000L); // the test set is balanced
        float[] first = data.pixels(0);
        assertThat(first).hasSize(784);
        float max = 0;
        for (float p : first) {
            assertThat(p).isBetween(0f, 1f);
            max = Math.max(max, p);
        }
        assertThat(max).isGreaterThan(0.5f);
        assertThat(data.label(0)).isEqualTo(9); // the first test image is an ankle boot
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
            out.write(data);
        }
        return bytes.toByteArray();
    }
}
