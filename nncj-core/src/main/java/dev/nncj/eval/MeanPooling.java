package dev.nncj.eval;

/**
 * Sentence embeddings from token embeddings the way sentence-transformers pools: the mean of the
 * token vectors whose attention mask is 1, so padding never moves an embedding.
 */
public final class MeanPooling {
    private MeanPooling() {}

    /** {@code hidden} is [batch, seq, dim]; returns [batch][dim]. */
    public static float[][] pool(FloatArray hidden, long[][] attentionMask) {
        int batch = hidden.dim(0);
        int seq = hidden.dim(1);
        int dim = hidden.dim(2);
        float[][] out = new float[batch][dim];
        for (int b = 0; b < batch; b++) {
            double[] sum = new double[dim];
            int tokens = 0;
            for (int s = 0; s < seq; s++) {
                if (attentionMask[b][s] == 0) {
                    continue;
                }
                tokens++;
                int base = (b * seq + s) * dim;
                for (int d = 0; d < dim; d++) {
                    sum[d] += hidden.data()[base + d];
                }
            }
            // sentence-transformers clamps the token count at 1e-9; an all-padding row stays zero
            double count = Math.max(tokens, 1e-9);
            for (int d = 0; d < dim; d++) {
                out[b][d] = (float) (sum[d] / count);
            }
        }
        return out;
    }
}
