package dev.nncj.quantize;

import java.nio.ByteBuffer;

/**
 * A float matrix quantized block-wise along its rows to unsigned {@code bits}-bit codes, in the
 * convention of ONNX Runtime's MatMulNBits and GatherBlockQuantized: each row is cut into blocks of
 * {@code blockSize} consecutive elements, and element {@code w} of a block decodes as
 * {@code (q - zp) * scale}.
 *
 * <p>Symmetric: the block's value of largest magnitude {@code m} gets the most negative level,
 * {@code scale = m / -2^(bits-1)}, {@code zp = 2^(bits-1)} (the default zero point of those ops, so no
 * zero-point tensor is stored). Using the negative end as MLAS does gives 2^(bits-1) steps on the side
 * of {@code m} instead of 2^(bits-1) - 1, and {@code m} itself is exact; a value of opposite sign and
 * the same magnitude clips by one step. Asymmetric: the range [min(0, min), max(0, max)] maps onto
 * [0, 2^bits - 1], {@code scale = (max - min) / (2^bits - 1)}, {@code zp = round(-min / scale)}.
 * Rounding is to nearest, ties to even. A row whose length is not a multiple of the block size ends
 * in a short block.
 *
 * <p>With {@code searchClip} the range is also shrunk by 2%, 4%, ... 30% and each block keeps the
 * candidate with the least squared error {@code sum (w - (q - zp) * scale)^2}: clipping a few
 * outliers buys a finer step for all other weights of the block, which at 4 bits usually wins.
 * Each candidate is also tried with its scale refitted by least squares to the codes it produced.
 *
 * @param codes row-major codes, {@code rows * cols}, each in [0, 2^bits)
 * @param scales {@code rows * blocksPerRow}
 * @param zeroPoints {@code rows * blocksPerRow}; all 2^(bits-1) when symmetric
 */
public record BlockQuantizedMatrix(int rows, int cols, int bits, int blockSize, boolean symmetric, int[] codes,
                                   float[] scales, int[] zeroPoints) {

    private static final int CLIP_STEPS = 15;
    private static final float CLIP_STEP = 0.02f;

    /** Quantizes the row-major {@code rows x cols} matrix {@code values}. */
    public static BlockQuantizedMatrix quantize(float[] values, int rows, int cols, int bits, int blockSize,
                                                boolean symmetric, boolean searchClip) {
        return quantize(values, rows, cols, bits, blockSize, symmetric, searchClip, null);
    }

    /**
     * As {@link #quantize(float[], int, int, int, int, boolean, boolean)}, the clip search weighting
     * each column's squared error by {@code columnWeights[c]} (e.g. the mean square of the activation
     * that multiplies column c, so the error measured is the layer output's); null weighs all alike.
     */
    public static BlockQuantizedMatrix quantize(float[] values, int rows, int cols, int bits, int blockSize,
                                                boolean symmetric, boolean searchClip, double[] columnWeights) {
        if (bits != 4 && bits != 8) {
            throw new IllegalArgumentException("bits must be 4 or 8, not " + bits);
        }
        if ((long) rows * cols != values.length) {
            throw new IllegalArgumentException(rows + "x" + cols + " does not hold " + values.length + " values");
        }
        int blocks = blocksPerRow(cols, blockSize);
        int levels = 1 << bits;
        int mid = levels / 2;
        int[] codes = new int[values.length];
        float[] scales = new float[rows * blocks];
        int[] zeroPoints = new int[rows * blocks];
        for (int r = 0; r < rows; r++) {
            for (int b = 0; b < blocks; b++) {
                int from = r * cols + b * blockSize;
                int to = r * cols + Math.min(cols, (b + 1) * blockSize);
                float bestScale = 0;
                int bestZp = mid;
                double bestError = Double.POSITIVE_INFINITY;
                for (int step = 0; step <= (searchClip ? CLIP_STEPS : 0); step++) {
                    float shrink = 1f - step * CLIP_STEP;
                    float scale;
                    int zp;
                    if (symmetric) {
                        scale = extreme(values, from, to) * shrink / -mid;
                        zp = mid;
                    } else {
                        float min = 0;
                        float max = 0;
                        for (int i = from; i < to; i++) {
                            min = Math.min(min, values[i]);
                            max = Math.max(max, values[i]);
                        }
                        scale = (max - min) * shrink / (levels - 1);
                        zp = scale == 0 ? mid : clamp((int) Math.rint(-min * shrink / scale), 0, levels - 1);
                    }
                    double error = searchClip ? squaredError(values, from, to, scale, zp, levels, columnWeights, cols) : 0;
                    if (error < bestError) {
                        bestError = error;
                        bestScale = scale;
                        bestZp = zp;
                    }
                    if (searchClip && scale != 0) {
                        // with the codes fixed, the scale of least squared error is sum(w d) / sum(d^2), d = q - zp
                        float refit = refitScale(values, from, to, scale, zp, levels, columnWeights, cols);
                        double refitError = squaredError(values, from, to, refit, zp, levels, columnWeights, cols);
                        if (refitError < bestError) {
                            bestError = refitError;
                            bestScale = refit;
                            bestZp = zp;
                        }
                    }
                }
                scales[r * blocks + b] = bestScale;
                zeroPoints[r * blocks + b] = bestZp;
                for (int i = from; i < to; i++) {
                    codes[i] = code(values[i], bestScale, bestZp, levels);
                }
            }
        }
        return new BlockQuantizedMatrix(rows, cols, bits, blockSize, symmetric, codes, scales, zeroPoints);
    }

    public static int blocksPerRow(int cols, int blockSize) {
        return (cols + blockSize - 1) / blockSize;
    }

    public int blocksPerRow() {
        return blocksPerRow(cols, blockSize);
    }

    /** {@code (q - zp) * scale} for every element, row-major. */
    public float[] dequantize() {
        int blocks = blocksPerRow();
        float[] out = new float[codes.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int s = r * blocks + c / blockSize;
                out[r * cols + c] = (codes[r * cols + c] - zeroPoints[s]) * scales[s];
            }
        }
        return out;
    }

    /**
     * The codes as bytes, row by row, 4-bit codes two to a byte with the lower-indexed element in the
     * low nibble. With {@code padToBlocks} each row is padded to whole blocks with the block's zero
     * point (MatMulNBits' B layout [rows, blocks, blockSize * bits / 8]); without, a row takes
     * {@code ceil(cols * bits / 8)} bytes (GatherBlockQuantized's data layout).
     */
    public ByteBuffer packedCodes(boolean padToBlocks) {
        int blocks = blocksPerRow();
        int paddedCols = padToBlocks ? blocks * blockSize : cols;
        int rowBytes = (paddedCols * bits + 7) / 8;
        ByteBuffer buf = ByteBuffer.allocate(rows * rowBytes);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < paddedCols; c++) {
                int q = c < cols ? codes[r * cols + c] : zeroPoints[r * blocks + c / blockSize];
                int at = r * rowBytes + c * bits / 8;
                if (bits == 8) {
                    buf.put(at, (byte) q);
                } else {
                    int shift = (c & 1) == 0 ? 0 : 4;
                    buf.put(at, (byte) (buf.get(at) | (q << shift)));
                }
            }
        }
        return buf;
    }

    /** Zero points packed like the codes, one row of {@code ceil(blocks * bits / 8)} bytes per matrix row. */
    public ByteBuffer packedZeroPoints() {
        int blocks = blocksPerRow();
        int rowBytes = (blocks * bits + 7) / 8;
        ByteBuffer buf = ByteBuffer.allocate(rows * rowBytes);
        for (int r = 0; r < rows; r++) {
            for (int b = 0; b < blocks; b++) {
                int at = r * rowBytes + b * bits / 8;
                int q = zeroPoints[r * blocks + b];
                if (bits == 8) {
                    buf.put(at, (byte) q);
                } else {
                    buf.put(at, (byte) (buf.get(at) | (q << ((b & 1) == 0 ? 0 : 4))));
                }
            }
        }
        return buf;
    }

    /** The value of largest magnitude in [from, to), with its sign. */
    private static float extreme(float[] values, int from, int to) {
        float extreme = 0;
        for (int i = from; i < to; i++) {
            if (Math.abs(values[i]) > Math.abs(extreme)) {
                extreme = values[i];
            }
        }
        return extreme;
    }

    private static int code(float value, float scale, int zp, int levels) {
        return scale == 0 ? zp : clamp((int) Math.rint(value / scale) + zp, 0, levels - 1);
    }

    private static float refitScale(float[] values, int from, int to, float scale, int zp, int levels,
                                    double[] weights, int cols) {
        double wd = 0;
        double dd = 0;
        for (int i = from; i < to; i++) {
            int d = code(values[i], scale, zp, levels) - zp;
            double c = weights == null ? 1 : weights[i % cols];
            wd += c * values[i] * d;
            dd += c * d * d;
        }
        return dd == 0 ? scale : (float) (wd / dd);
    }

    static double squaredError(float[] values, int from, int to, float scale, int zp, int levels,
                               double[] weights, int cols) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            double d = values[i] - (double) (code(values[i], scale, zp, levels) - zp) * scale;
            sum += (weights == null ? 1 : weights[i % cols]) * d * d;
        }
        return sum;
    }

    private static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}
