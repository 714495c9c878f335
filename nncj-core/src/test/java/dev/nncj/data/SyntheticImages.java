package dev.nncj.data;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * A tiny MNIST-shaped task for training tests: 28x28 images of noise with one bright 10x10 square
 * in the quadrant given by the label (4 classes), written as IDX files. Any classifier that learns
 * at all reaches about 100% on it.
 */
public final class SyntheticImages {
    private SyntheticImages() {}

    /** Paths of the written image and label files. */
    public record IdxPair(Path images, Path labels) {}

    public static IdxPair write(Path dir, String prefix, int count, long seed) throws IOException {
        Random r = new Random(seed);
        byte[] pixels = new byte[count * 28 * 28];
        byte[] labels = new byte[count];
        for (int i = 0; i < count; i++) {
            int label = r.nextInt(4);
            labels[i] = (byte) label;
            int top = (label / 2) * 14 + 2;
            int left = (label % 2) * 14 + 2;
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    boolean square = y >= top && y < top + 10 && x >= left && x < left + 10;
                    int v = square ? 180 + r.nextInt(76) : r.nextInt(90);
                    pixels[i * 784 + y * 28 + x] = (byte) v;
                }
            }
        }
        Path images = dir.resolve(prefix + "-images.idx");
        Path labelFile = dir.resolve(prefix + "-labels.idx");
        Files.write(images, idx(0x00000803, new int[] {count, 28, 28}, pixels));
        Files.write(labelFile, idx(0x00000801, new int[] {count}, labels));
        return new IdxPair(images, labelFile);
    }

    /** An IDX file: magic, dimension sizes, then the bytes. */
    public static byte[] idx(int magic, int[] shape, byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(magic);
        for (int d : shape) {
            out.writeInt(d);
        }
        out.write(data);
        return bytes.toByteArray();
    }
}
