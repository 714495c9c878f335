package dev.nncj.sparsity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nncj.onnx.NodeFilter;
import dev.nncj.onnx.OnnxModel;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InputScaledMagnitudeTest {
    @Test
    void scoresAreMagnitudeTimesTheInputRmsAlongTheReductionAxis() {
        // MatMul B [K=2, N=3]: row k is scaled by sqrt(m_k) = 2 and 0.5
        float[] w = {1, -2, 3, -4, 5, -6};
        assertThat(InputScaledMagnitude.scores(w, new long[] {2, 3}, 0, new double[] {4, 0.25}))
                .containsExactly(2, 4, 6, 2, 2.5f, 3);
        // Gemm B with transB [N=2, K=3]: column k is scaled
        assertThat(InputScaledMagnitude.scores(w, new long[] {2, 3}, 1, new double[] {1, 4, 0}))
                .containsExactly(1, 4, 0, 4, 10, 0);
        // Conv W [O=1, C=2, 1, 2]: channel c scales its kernel
        float[] conv = {1, 1, 1, 1};
        assertThat(InputScaledMagnitude.scores(conv, new long[] {1, 2, 1, 2}, 1, new double[] {9, 1}))
                .containsExactly(3, 3, 1, 1);
        assertThatThrownBy(() -> InputScaledMagnitude.scores(w, new long[] {2, 3}, 0, new double[] {1, 1, 1}))
                .hasMessageContaining("2 features but 3 activation statistics");
    }

    /** A weight on a dark input is pruned before a smaller one on a bright input: what magnitude cannot see. */
    @Test
    void sparsifyRanksByTheInputsWhenTheirStatisticsAreGiven() {
        OnnxModel plain = SparseModels.mlp();
        OnnxModel scaled = SparseModels.mlp();
        double[] dark = new double[16];
        java.util.Arrays.fill(dark, 1);
        dark[3] = 0; // input feature 3 is never lit: its 64 weights (row 3 of w1) add nothing
        SparsifyOptions options = new SparsifyOptions(new PruningPattern.Magnitude(64 / 1024.0, PruningPattern.Scope.PER_LAYER),
                new NodeFilter(java.util.List.of("MatMul"), java.util.List.of()), false, Storage.DENSE);
        Sparsifier.sparsify(plain, Path.of("mlp.onnx"), options);
        Sparsifier.sparsify(scaled, Path.of("mlp.onnx"), options.withInputMeanSquares(Map.of("x", dark)));
        float[] w1 = scaled.graph().initializer("w1").orElseThrow().toFloats();
        for (int j = 0; j < 64; j++) {
            assertThat(w1[3 * 64 + j]).isZero();
        }
        float[] byMagnitude = plain.graph().initializer("w1").orElseThrow().toFloats();
        int rowThreeZeros = 0;
        for (int j = 0; j < 64; j++) {
            rowThreeZeros += byMagnitude[3 * 64 + j] == 0 ? 1 : 0;
        }
        assertThat(rowThreeZeros).isLessThan(16);
    }
}
