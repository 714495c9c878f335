package dev.nncj.quantize;

/**
 * Activation-aware weight scaling (AWQ, Lin et al. 2024, sec. 3.2): for {@code Y = X W}, scaling
 * input channel k of the weight by {@code s_k} and the activation by {@code 1/s_k} leaves Y
 * unchanged in exact arithmetic, but gives the channels that meet large activations more of the
 * block's quantization levels. {@code s_k = a_k^alpha} with {@code a_k = sqrt(E[x_k^2])} from
 * calibration data, normalized so that {@code max(s) * min(s) = 1}; alpha is chosen from a grid by
 * the layer's expected output error under a diagonal approximation,
 * {@code sum_k E[x_k^2] / s_k^2 * sum_n (s_k w_kn - deq(s_k w_kn))^2}. alpha = 0 is plain rounding,
 * so the search never does worse than it by that measure.
 *
 * @param scales {@code s}, length K (all 1 when alpha is 0)
 * @param weights the scaled weight transposed, [N, K] row-major, ready for block quantization
 * @param columnWeights {@code E[x_k^2] / s_k^2}, the error weight of each K column
 */
record ActivationAwareScaling(double alpha, float[] scales, float[] weights, double[] columnWeights) {
    private static final int GRID = 10;

    /** {@code transposed}: W^T as [N, K]; {@code meanSquares}: E[x_k^2], length K. */
    static ActivationAwareScaling search(float[] transposed, int n, int k, double[] meanSquares, int bits,
                                         int blockSize, boolean symmetric) {
        ActivationAwareScaling best = null;
        double bestError = Double.POSITIVE_INFINITY;
        for (int step = 0; step <= GRID; step++) {
            ActivationAwareScaling candidate = of(transposed, n, k, meanSquares, step / (double) GRID);
            BlockQuantizedMatrix q = BlockQuantizedMatrix.quantize(candidate.weights, n, k, bits, blockSize, symmetric,
                    false);
            double error = 0;
            float[] deq = q.dequantize();
            for (int i = 0; i < deq.length; i++) {
                double d = candidate.weights[i] - deq[i];
                error += candidate.columnWeights[i % k] * d * d;
            }
            if (error < bestError) {
                bestError = error;
                best = candidate;
            }
        }
        return best;
    }

    static ActivationAwareScaling of(float[] transposed, int n, int k, double[] meanSquares, double alpha) {
        double[] s = new double[k];
        double max = 0;
        double min = Double.POSITIVE_INFINITY;
        for (int c = 0; c < k; c++) {
            s[c] = Math.pow(Math.max(Math.sqrt(meanSquares[c]), 1e-6), alpha);
            max = Math.max(max, s[c]);
            min = Math.min(min, s[c]);
        }
        double norm = Math.sqrt(max * min);
        float[] scales = new float[k];
        double[] columnWeights = new double[k];
        for (int c = 0; c < k; c++) {
            scales[c] = (float) (s[c] / norm);
            columnWeights[c] = meanSquares[c] / ((double) scales[c] * scales[c]);
        }
        float[] weights = new float[transposed.length];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = transposed[i] * scales[i % k];
        }
        return new ActivationAwareScaling(alpha, scales, weights, columnWeights);
    }
}
