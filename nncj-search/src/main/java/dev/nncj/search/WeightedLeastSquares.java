package dev.nncj.search;

/**
 * Solves min sum_i w_i (x_i . b - y_i)^2 by the normal equations, with a ridge of 1e-9 of each
 * diagonal entry so that a column the data cannot tell from another (a space with one head width:
 * per-head and per-layer cost move together) gets a finite share instead of a singular system. The
 * systems here have a handful of unknowns, so Gaussian elimination with partial pivoting is enough.
 */
final class WeightedLeastSquares {
    private static final double RIDGE = 1e-9;

    private WeightedLeastSquares() {}

    /** The coefficients b for rows {@code x} (all of one length), targets {@code y} and weights {@code w}. */
    static double[] solve(double[][] x, double[] y, double[] w) {
        if (x.length == 0 || x.length != y.length || x.length != w.length) {
            throw new IllegalArgumentException("need one target and one weight per row, and at least one row");
        }
        int p = x[0].length;
        double[][] a = new double[p][p + 1];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < p; j++) {
                for (int k = 0; k < p; k++) {
                    a[j][k] += w[i] * x[i][j] * x[i][k];
                }
                a[j][p] += w[i] * x[i][j] * y[i];
            }
        }
        for (int j = 0; j < p; j++) {
            a[j][j] += RIDGE * Math.max(a[j][j], Double.MIN_NORMAL);
        }
        return eliminate(a);
    }

    /** Solves the augmented system [A | c] in place. */
    private static double[] eliminate(double[][] a) {
        int p = a.length;
        for (int col = 0; col < p; col++) {
            int pivot = col;
            for (int r = col + 1; r < p; r++) {
                if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) {
                    pivot = r;
                }
            }
            double[] swap = a[col];
            a[col] = a[pivot];
            a[pivot] = swap;
            if (a[col][col] == 0) {
                throw new IllegalArgumentException("the rows do not determine coefficient " + col);
            }
            for (int r = col + 1; r < p; r++) {
                double f = a[r][col] / a[col][col];
                for (int c = col; c <= p; c++) {
                    a[r][c] -= f * a[col][c];
                }
            }
        }
        double[] b = new double[p];
        for (int r = p - 1; r >= 0; r--) {
            double s = a[r][p];
            for (int c = r + 1; c < p; c++) {
                s -= a[r][c] * b[c];
            }
            b[r] = s / a[r][r];
        }
        return b;
    }
}
