package dev.nncj.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class WeightedLeastSquaresTest {
    @Test
    void consistentRowsGiveTheirCoefficientsBack() {
        // y = 2 + 0.5 a - 3 b
        double[][] x = {{1, 0, 0}, {1, 1, 0}, {1, 0, 1}, {1, 4, 2}, {1, -2, 7}};
        double[] y = new double[x.length];
        double[] w = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = 2 + 0.5 * x[i][1] - 3 * x[i][2];
            w[i] = 1 + i;
        }
        double[] b = WeightedLeastSquares.solve(x, y, w);
        assertThat(b[0]).isCloseTo(2, within(1e-6));
        assertThat(b[1]).isCloseTo(0.5, within(1e-6));
        assertThat(b[2]).isCloseTo(-3, within(1e-6));
    }

    @Test
    void weightsDecideWhichRowsAnInconsistentFitFollows() {
        // fitting a constant to 1 and 3: the weighted mean
        double[][] x = {{1}, {1}};
        double[] y = {1, 3};
        assertThat(WeightedLeastSquares.solve(x, y, new double[] {1, 1})[0]).isCloseTo(2, within(1e-6));
        assertThat(WeightedLeastSquares.solve(x, y, new double[] {3, 1})[0]).isCloseTo(1.5, within(1e-6));
    }

    @Test
    void twoColumnsTheDataCannotTellApartStillPredictTheData() {
        // the second and third columns are equal (one head width: per-layer and per-head cost move together)
        double[][] x = {{1, 1, 1}, {1, 2, 2}, {1, 3, 3}};
        double[] y = {5, 7, 9};
        double[] b = WeightedLeastSquares.solve(x, y, new double[] {1, 1, 1});
        for (int i = 0; i < x.length; i++) {
            assertThat(b[0] + b[1] * x[i][1] + b[2] * x[i][2]).isCloseTo(y[i], within(1e-5));
        }
    }

    @Test
    void rowsWithoutTargetsAreRefused() {
        assertThatThrownBy(() -> WeightedLeastSquares.solve(new double[][] {{1}}, new double[0], new double[] {1}))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
