package dev.nncj.sparsity;

/**
 * Wanda's pruning score (Sun et al. 2023): |w| times the RMS of the input feature the weight
 * multiplies, sqrt(E[x_k^2]) over real data. Plain magnitude keeps large weights on inputs that are
 * almost never lit (the border pixels of an image, after Adam's normalized steps have grown them);
 * the product ranks a weight by what it adds to its output on the data.
 */
final class InputScaledMagnitude {
    private InputScaledMagnitude() {}

    /**
     * The scores of {@code w} (row-major, {@code shape}), whose axis {@code axis} runs over the input
     * features whose second moments are {@code meanSquares}.
     */
    static float[] scores(float[] w, long[] shape, int axis, double[] meanSquares) {
        if (shape[axis] != meanSquares.length) {
            throw new IllegalArgumentException("the weight's input axis has " + shape[axis] + " features but "
                    + meanSquares.length + " activation statistics were measured");
        }
        long stride = 1;
        for (int d = axis + 1; d < shape.length; d++) {
            stride *= shape[d];
        }
        double[] rms = new double[meanSquares.length];
        for (int k = 0; k < rms.length; k++) {
            rms[k] = Math.sqrt(meanSquares[k]);
        }
        float[] scores = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            scores[i] = (float) (Math.abs(w[i]) * rms[(int) ((i / stride) % rms.length)]);
        }
        return scores;
    }
}
