package dev.nncj.eval;

import java.util.Arrays;

/** A model output copied out of native memory: row-major values and their shape. */
public record FloatArray(long[] shape, float[] data) {
    public int rank() {
        return shape.length;
    }

    public int dim(int axis) {
        return (int) shape[axis];
    }

    /** Row {@code i} of a rank-2 array. */
    public float[] row(int i) {
        int width = dim(1);
        return Arrays.copyOfRange(data, i * width, (i + 1) * width);
    }
}
