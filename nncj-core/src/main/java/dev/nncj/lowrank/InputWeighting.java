package dev.nncj.lowrank;

/**
 * Activation-aware truncation (the diagonal form of ASVD, Yuan et al. 2023): what matters is the
 * product's error E||x W - x W_r||^2, not ||W - W_r||^2. With the inputs' second moments
 * m_k = E[x_k^2] and their correlations neglected, that error is ||diag(s) (W - W_r)||_F^2 with
 * s_k = sqrt(m_k), so the best rank-r W_r is diag(1/s) times the truncated SVD of diag(s) W:
 * rows fed by large activations are kept more faithfully than rows fed by near-silent ones.
 */
final class InputWeighting {
    private final double[] s;

    private InputWeighting(double[] s) {
        this.s = s;
    }

    /** From E[x_k^2] per input row; channels that never fire are floored so that 1/s stays finite. */
    static InputWeighting of(double[] meanSquares) {
        double max = 0;
        for (double m : meanSquares) {
            max = Math.max(max, m);
        }
        double floor = Math.max(max * 1e-8, 1e-30);
        double[] s = new double[meanSquares.length];
        for (int k = 0; k < s.length; k++) {
            s[k] = Math.sqrt(Math.max(meanSquares[k], floor));
        }
        return new InputWeighting(s);
    }

    /** diag(s) W for W [rows, cols] row-major. */
    float[] scaleRows(float[] w, int cols) {
        float[] out = new float[w.length];
        for (int i = 0; i < s.length; i++) {
            for (int j = 0; j < cols; j++) {
                out[i * cols + j] = (float) (w[i * cols + j] * s[i]);
            }
        }
        return out;
    }

    /** The factors of diag(s) W turned into factors of W: the left factor's rows divided by s. */
    Svd.Factors unscale(Svd.Factors f) {
        float[] left = f.left().clone();
        for (int i = 0; i < s.length; i++) {
            for (int j = 0; j < f.rank(); j++) {
                left[i * f.rank() + j] = (float) (left[i * f.rank() + j] / s[i]);
            }
        }
        return new Svd.Factors(left, f.right(), f.rank());
    }
}
