package dev.nncj.eval.stats;

/**
 * Cosine similarity a·b / (|a||b|), how close a compressed model's sentence embedding stays to the
 * original's. Accumulates in double: a 384-wide float dot product loses about 1e-5 in float, the size
 * of the differences int8 quantization makes. A zero vector has no direction; its similarity to
 * anything is defined as 0 (as sentence-transformers does by clamping the norm).
 */
public final class Cosine {
    private Cosine() {}

    public static double similarity(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("vectors differ in length: " + a.length + " and " + b.length);
        }
        double dot = 0;
        double normA = 0;
        double normB = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            normA += (double) a[i] * a[i];
            normB += (double) b[i] * b[i];
        }
        if (normA == 0 || normB == 0) {
            return 0;
        }
        return dot / Math.sqrt(normA * normB);
    }
}
