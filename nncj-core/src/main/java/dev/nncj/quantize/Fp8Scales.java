package dev.nncj.quantize;

/**
 * Scales that map a rank-2 weight onto a float8 format: {@code s = max|w| / maxFinite} over each
 * slice along {@code axis} (per channel) or over the whole tensor ({@code axis = -1}). An all-zero
 * slice gets scale 1 so that division stays finite; its codes are zero either way.
 */
final class Fp8Scales {
    private Fp8Scales() {}

    static float[] scales(float[] values, long[] shape, int axis, float maxFinite) {
        if (axis < 0) {
            float max = 0;
            for (float v : values) {
                max = Math.max(max, Math.abs(v));
            }
            return new float[] {max == 0 ? 1f : max / maxFinite};
        }
        int rows = Math.toIntExact(shape[0]);
        int cols = Math.toIntExact(shape[1]);
        float[] max = new float[axis == 0 ? rows : cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int ch = axis == 0 ? r : c;
                max[ch] = Math.max(max[ch], Math.abs(values[r * cols + c]));
            }
        }
        for (int i = 0; i < max.length; i++) {
            max[i] = max[i] == 0 ? 1f : max[i] / maxFinite;
        }
        return max;
    }

    /** {@code values / scale} of each element's channel, ready to be rounded to float8. */
    static float[] divide(float[] values, long[] shape, int axis, float[] scales) {
        float[] out = new float[values.length];
        int cols = shape.length < 2 ? 1 : Math.toIntExact(shape[1]);
        for (int i = 0; i < values.length; i++) {
            float s = axis < 0 ? scales[0] : axis == 0 ? scales[i / cols] : scales[i % cols];
            out[i] = values[i] / s;
        }
        return out;
    }
}
