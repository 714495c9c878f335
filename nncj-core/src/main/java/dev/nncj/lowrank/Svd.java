package dev.nncj.lowrank;

import java.util.Optional;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;

/**
 * The compact singular value decomposition W = U diag(s) V^T of an m x n matrix (k = min(m, n)
 * singular values, in decreasing order), computed in double precision by EJML. By Eckart-Young
 * the rank-r truncation is the closest rank-r matrix in Frobenius norm, and its squared error is
 * exactly the discarded energy {@code s_r^2 + ... + s_(k-1)^2}.
 */
public final class Svd {
    private final int rows;
    private final int cols;
    private final double[] s;
    private final DMatrixRMaj u; // m x k
    private final DMatrixRMaj vt; // k x n

    private Svd(int rows, int cols, double[] s, DMatrixRMaj u, DMatrixRMaj vt) {
        this.rows = rows;
        this.cols = cols;
        this.s = s;
        this.u = u;
        this.vt = vt;
    }

    /**
     * Decomposes {@code w}, an m x n matrix stored row-major; empty when EJML's iteration does not
     * converge, which NaN or infinite values make it do.
     */
    public static Optional<Svd> of(float[] w, int m, int n) {
        if (w.length != (long) m * n) {
            throw new IllegalArgumentException("matrix has " + w.length + " values, not " + m + " x " + n);
        }
        DMatrixRMaj a = new DMatrixRMaj(m, n);
        for (int i = 0; i < w.length; i++) {
            a.data[i] = w[i];
        }
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(m, n, true, true, true);
        if (!svd.decompose(a)) {
            return Optional.empty();
        }
        int k = Math.min(m, n);
        DMatrixRMaj uFull = svd.getU(null, false);
        DMatrixRMaj vtFull = svd.getV(null, true);
        double[] values = svd.getSingularValues();
        // EJML does not order the singular values: sort them (with their vectors) largest first
        Integer[] order = new Integer[k];
        for (int i = 0; i < k; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (x, y) -> Double.compare(values[y], values[x]));
        double[] sorted = new double[k];
        DMatrixRMaj uk = new DMatrixRMaj(m, k);
        DMatrixRMaj vtk = new DMatrixRMaj(k, n);
        for (int j = 0; j < k; j++) {
            int from = order[j];
            sorted[j] = values[from];
            for (int i = 0; i < m; i++) {
                uk.unsafe_set(i, j, uFull.unsafe_get(i, from));
            }
            for (int c = 0; c < n; c++) {
                vtk.unsafe_set(j, c, vtFull.unsafe_get(from, c));
            }
        }
        return Optional.of(new Svd(m, n, sorted, uk, vtk));
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** min(m, n): the largest rank a factorization can have. */
    public int fullRank() {
        return s.length;
    }

    public double[] singularValues() {
        return s.clone();
    }

    /** sum of s_i^2 = ||W||_F^2. */
    public double energy() {
        return tailEnergy(0);
    }

    /** s_r^2 + ... + s_(k-1)^2: ||W - W_r||_F^2 for the rank-r truncation. */
    public double tailEnergy(int r) {
        double e = 0;
        for (int i = s.length - 1; i >= r; i--) {
            e += s[i] * s[i];
        }
        return e;
    }

    /** Fraction of the energy the rank-r truncation keeps, 1 for the zero matrix. */
    public double keptEnergy(int r) {
        double total = energy();
        return total == 0 ? 1 : 1 - tailEnergy(r) / total;
    }

    /** The smallest rank (at least 1) keeping at least {@code fraction} of the energy. */
    public int rankForEnergy(double fraction) {
        double total = energy();
        double kept = 0;
        for (int r = 1; r <= s.length; r++) {
            kept += s[r - 1] * s[r - 1];
            // relative slack: rounding must not push an exact "all of it" past the last rank
            if (kept >= fraction * total * (1 - 1e-12)) {
                return r;
            }
        }
        return s.length;
    }

    /**
     * The rank-r factors with W_r = left x right: left = U_r sqrt(S_r) [m x r], right = sqrt(S_r) V_r^T
     * [r x n], row-major float32. The singular values are split evenly between the factors so that
     * both have the same scale, which keeps float32 rounding and later fine-tuning's gradients balanced
     * (all of S on one side is the same product).
     */
    public Factors factors(int r) {
        if (r < 1 || r > s.length) {
            throw new IllegalArgumentException("rank " + r + " is outside 1.." + s.length);
        }
        float[] left = new float[rows * r];
        float[] right = new float[r * cols];
        for (int j = 0; j < r; j++) {
            double root = Math.sqrt(s[j]);
            for (int i = 0; i < rows; i++) {
                left[i * r + j] = (float) (u.unsafe_get(i, j) * root);
            }
            for (int c = 0; c < cols; c++) {
                right[j * cols + c] = (float) (vt.unsafe_get(j, c) * root);
            }
        }
        return new Factors(left, right, r);
    }

    /** W_r = left x right, row-major: left [m x rank], right [rank x n]. */
    public record Factors(float[] left, float[] right, int rank) {}
}
