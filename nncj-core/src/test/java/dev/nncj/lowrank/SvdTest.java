package dev.nncj.lowrank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SvdTest {
    /**
     * W = a1 b1^T * 5 + a2 b2^T * 2 + a3 b3^T * 0.5 with orthonormal a_i (6-vectors) and b_i
     * (4-vectors): rank 3 with singular values 5, 2, 0.5 by construction.
     */
    static float[] knownRank3() {
        double[][] a = orthonormal(6, 3, 7);
        double[][] b = orthonormal(4, 3, 8);
        double[] s = {5, 2, 0.5};
        float[] w = new float[6 * 4];
        for (int i = 0; i < 6; i++) {
            for (int j = 0; j < 4; j++) {
                double v = 0;
                for (int k = 0; k < 3; k++) {
                    v += s[k] * a[k][i] * b[k][j];
                }
                w[i * 4 + j] = (float) v;
            }
        }
        return w;
    }

    @Test
    void recoversTheSingularValuesOfAMatrixOfKnownRank() {
        Svd svd = Svd.of(knownRank3(), 6, 4).orElseThrow();
        double[] s = svd.singularValues();
        assertThat(s).hasSize(4);
        assertThat(s[0]).isCloseTo(5, within(1e-5));
        assertThat(s[1]).isCloseTo(2, within(1e-5));
        assertThat(s[2]).isCloseTo(0.5, within(1e-5));
        assertThat(s[3]).isCloseTo(0, within(1e-5));
        assertThat(svd.energy()).isCloseTo(25 + 4 + 0.25, within(1e-4));
    }

    @Test
    void reconstructionErrorIsTheDiscardedEnergy() {
        float[] w = knownRank3();
        Svd svd = Svd.of(w, 6, 4).orElseThrow();
        for (int r = 1; r <= 4; r++) {
            float[] wr = product(svd.factors(r), 6, 4);
            double err = 0;
            for (int i = 0; i < w.length; i++) {
                err += (w[i] - wr[i]) * (double) (w[i] - wr[i]);
            }
            // Eckart-Young: ||W - W_r||_F^2 = sum of the discarded s_i^2 (0.25 + 4 at r = 1, 0.25 at 2, 0 at 3)
            assertThat(err).as("rank " + r).isCloseTo(svd.tailEnergy(r), within(1e-5));
        }
        assertThat(svd.tailEnergy(1)).isCloseTo(4.25, within(1e-5));
        assertThat(svd.tailEnergy(3)).isCloseTo(0, within(1e-8));
    }

    @Test
    void energyRuleKeepsTheSmallestSufficientRank() {
        Svd svd = Svd.of(knownRank3(), 6, 4).orElseThrow();
        double total = 29.25;
        assertThat(svd.rankForEnergy(25 / total)).isEqualTo(1);
        assertThat(svd.rankForEnergy(25.01 / total)).isEqualTo(2);
        assertThat(svd.rankForEnergy(0.999)).isEqualTo(3);
        assertThat(svd.rankForEnergy(1.0)).isEqualTo(3);
        assertThat(new RankRule.Ratio(0.5).rank(svd)).isEqualTo(2);
        assertThat(new RankRule.Ratio(0.01).rank(svd)).isEqualTo(1);
        assertThat(new RankRule.Fixed(9).rank(svd)).isEqualTo(4);
    }

    @Test
    void wideMatricesFactorizeToo() {
        float[] tall = knownRank3();
        float[] wide = new float[tall.length];
        for (int i = 0; i < 6; i++) {
            for (int j = 0; j < 4; j++) {
                wide[j * 6 + i] = tall[i * 4 + j];
            }
        }
        Svd svd = Svd.of(wide, 4, 6).orElseThrow();
        float[] w2 = product(svd.factors(3), 4, 6);
        for (int i = 0; i < wide.length; i++) {
            assertThat(w2[i]).isCloseTo(wide[i], within(1e-5f));
        }
    }

    static float[] product(Svd.Factors f, int m, int n) {
        float[] out = new float[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double v = 0;
                for (int k = 0; k < f.rank(); k++) {
                    v += (double) f.left()[i * f.rank() + k] * f.right()[k * n + j];
                }
                out[i * n + j] = (float) v;
            }
        }
        return out;
    }

    /** k orthonormal n-vectors by Gram-Schmidt on seeded Gaussian vectors. */
    private static double[][] orthonormal(int n, int k, long seed) {
        Random random = new Random(seed);
        double[][] q = new double[k][n];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < n; j++) {
                q[i][j] = random.nextGaussian();
            }
            for (int p = 0; p < i; p++) {
                double dot = 0;
                for (int j = 0; j < n; j++) {
                    dot += q[i][j] * q[p][j];
                }
                for (int j = 0; j < n; j++) {
                    q[i][j] -= dot * q[p][j];
                }
            }
            double norm = 0;
            for (int j = 0; j < n; j++) {
                norm += q[i][j] * q[i][j];
            }
            for (int j = 0; j < n; j++) {
                q[i][j] /= Math.sqrt(norm);
            }
        }
        return q;
    }
}
