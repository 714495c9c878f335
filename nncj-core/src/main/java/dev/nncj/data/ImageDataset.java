package dev.nncj.data;

import dev.nncj.NncjException;
import java.nio.file.Path;

/**
 * Labelled grey-scale images from an IDX image file and its IDX label file (MNIST, Fashion-MNIST).
 * Pixels are kept as the original bytes (47 MB for Fashion-MNIST's training set rather than 188 MB
 * of floats) and scaled to [0, 1] (value / 255) when asked for, the input range such classifiers
 * are trained with.
 */
public final class ImageDataset {
    private final int size;
    private final int rows;
    private final int cols;
    private final byte[] pixels;
    private final int[] labels;
    private final int numClasses;

    private ImageDataset(int size, int rows, int cols, byte[] pixels, int[] labels) {
        this.size = size;
        this.rows = rows;
        this.cols = cols;
        this.pixels = pixels;
        this.labels = labels;
        int max = -1;
        for (int label : labels) {
            max = Math.max(max, label);
        }
        this.numClasses = max + 1;
    }

    public static ImageDataset load(Path images, Path labels) {
        IdxReader.IdxArray imageArray = IdxReader.readImages(images);
        IdxReader.IdxArray labelArray = IdxReader.readLabels(labels);
        if (imageArray.count() != labelArray.count()) {
            throw NncjException.inFile(labels, "has " + labelArray.count() + " labels but " + images + " has "
                    + imageArray.count() + " images");
        }
        if (imageArray.count() == 0) {
            throw NncjException.inFile(images, "contains no images");
        }
        int[] labelValues = new int[labelArray.count()];
        for (int i = 0; i < labelValues.length; i++) {
            labelValues[i] = labelArray.unsigned(i);
        }
        int[] shape = imageArray.shape();
        return new ImageDataset(shape[0], shape[1], shape[2], imageArray.data(), labelValues);
    }

    /** A dataset cut in two: what is trained on, and a validation part held out of training to select by. */
    public record Split(ImageDataset train, ImageDataset validation) {}

    /**
     * The seed of {@link #holdOut}'s shuffle. Fixed, not the run's seed: runs with different seeds
     * (a mean over seeds) must select on the same validation images, or the split's own luck would
     * vary with them.
     */
    public static final long HOLD_OUT_SEED = 2016;

    /**
     * Holds {@code count} images out of training: a seeded random choice (files sorted by class must
     * not give a validation part of one class), each part in the file's order. The same file and
     * count always give the same split.
     */
    public Split holdOut(int count) {
        if (count < 0 || count >= size) {
            throw new IllegalArgumentException("a validation split of " + count + " images must leave training images: the"
                    + " set has " + size);
        }
        int[] order = new int[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        java.util.Random random = new java.util.Random(HOLD_OUT_SEED);
        for (int i = size - 1; i > 0; i--) { // Fisher-Yates
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int[] validation = java.util.Arrays.copyOfRange(order, 0, count);
        int[] train = java.util.Arrays.copyOfRange(order, count, size);
        java.util.Arrays.sort(validation);
        java.util.Arrays.sort(train);
        return new Split(subset(train), subset(validation));
    }

    /** The images at {@code indices}, in that order. */
    private ImageDataset subset(int[] indices) {
        int pixelsPerImage = imageSize();
        byte[] p = new byte[indices.length * pixelsPerImage];
        int[] l = new int[indices.length];
        for (int k = 0; k < indices.length; k++) {
            System.arraycopy(pixels, indices[k] * pixelsPerImage, p, k * pixelsPerImage, pixelsPerImage);
            l[k] = labels[indices[k]];
        }
        return new ImageDataset(indices.length, rows, cols, p, l);
    }

    /** Number of images. */
    public int size() {
        return size;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** Pixels per image, rows × cols. */
    public int imageSize() {
        return rows * cols;
    }

    /** Image {@code i} in row-major order, scaled to [0, 1]. */
    public float[] pixels(int i) {
        return pixels(i, 1);
    }

    /** Images {@code start .. start+count-1} back to back, row-major, scaled to [0, 1]: a [count, rows*cols] batch. */
    public float[] pixels(int start, int count) {
        if (start < 0 || count < 0 || start + count > size) {
            throw new IndexOutOfBoundsException("images " + start + ".." + (start + count - 1) + " of " + size);
        }
        int offset = start * imageSize();
        float[] out = new float[count * imageSize()];
        for (int k = 0; k < out.length; k++) {
            out[k] = (pixels[offset + k] & 0xff) / 255f;
        }
        return out;
    }

    /**
     * The shape of a batch of {@code count} images for a model input of {@code rank}: [N, H*W], [N, H, W]
     * or [N, 1, H, W]; empty for any other rank.
     */
    public java.util.Optional<long[]> batchShape(int rank, int count) {
        return switch (rank) {
            case 2 -> java.util.Optional.of(new long[] {count, imageSize()});
            case 3 -> java.util.Optional.of(new long[] {count, rows, cols});
            case 4 -> java.util.Optional.of(new long[] {count, 1, rows, cols});
            default -> java.util.Optional.empty();
        };
    }

    public int label(int i) {
        return labels[i];
    }

    public int[] labels() {
        return labels.clone();
    }

    /** Largest label + 1. */
    public int numClasses() {
        return numClasses;
    }
}
