package dev.nncj.train.movement;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.nncj.sparsity.PruningPattern;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TopKMasksTest {
    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    private static long ones(List<NDArray> masks) {
        return masks.stream().mapToLong(m -> (long) m.sum().getFloat()).sum();
    }

    /** 1000 scores in three tensors, 37% kept: exactly 370 ones, and every kept score beats every dropped one. */
    @Test
    void globalUnstructuredKeepsExactlyTheScheduledCountOfTheBest() {
        try (NDManager m = Engine.getEngine("PyTorch").newBaseManager()) {
            List<NDArray> scores = List.of(m.create(random(200, 1), new Shape(10, 20)), m.create(random(500, 2), new Shape(500)),
                    m.create(random(300, 3), new Shape(30, 10)));
            List<NDArray> masks = TopKMasks.compute(scores, new long[] {1, 1, 1}, PruningPattern.Scope.GLOBAL, 0.37);
            assertThat(ones(masks)).isEqualTo(370);
            assertThat(masks.get(0).getShape()).isEqualTo(new Shape(10, 20));
            float minKept = Float.MAX_VALUE;
            float maxDropped = -Float.MAX_VALUE;
            for (int t = 0; t < 3; t++) {
                float[] s = scores.get(t).toFloatArray();
                float[] k = masks.get(t).toFloatArray();
                for (int i = 0; i < s.length; i++) {
                    if (k[i] == 1f) {
                        minKept = Math.min(minKept, s[i]);
                    } else {
                        assertThat(k[i]).isZero();
                        maxDropped = Math.max(maxDropped, s[i]);
                    }
                }
            }
            assertThat(minKept).isGreaterThan(maxDropped);
            // above half kept, the smallest are dropped instead: the count is still exact
            assertThat(ones(TopKMasks.compute(scores, new long[] {1, 1, 1}, PruningPattern.Scope.GLOBAL, 0.9))).isEqualTo(900);
        }
    }

    /** Per layer: each tensor keeps round(r * its size). */
    @Test
    void perLayerKeepsTheFractionOfEachTensor() {
        try (NDManager m = Engine.getEngine("PyTorch").newBaseManager()) {
            List<NDArray> scores = List.of(m.create(random(200, 1)), m.create(random(50, 2)));
            List<NDArray> masks = TopKMasks.compute(scores, new long[] {1, 1}, PruningPattern.Scope.PER_LAYER, 0.25);
            assertThat(masks.get(0).sum().getFloat()).isEqualTo(50f);
            assertThat(masks.get(1).sum().getFloat()).isEqualTo(13f); // round(12.5) = 13
        }
    }

    /**
     * Blocks of 6 weights, 12 blocks (72 weights), 30% kept: the budget is round(0.3 * 72) = 22 weights,
     * so 3 whole blocks (18 weights). Mixed sizes (blocks of 6 and of 2) keep the best while they fit.
     */
    @Test
    void blocksAreCountedInWeights() {
        try (NDManager m = Engine.getEngine("PyTorch").newBaseManager()) {
            NDArray twelve = m.create(random(12, 4));
            assertThat(ones(TopKMasks.compute(List.of(twelve), new long[] {6}, PruningPattern.Scope.GLOBAL, 0.3))).isEqualTo(3);
            // sizes 6, 6 (scores 5, 1) and 2, 2, 2 (scores 4, 3, 2): budget round(0.5 * 18) = 9 weights
            List<NDArray> mixed = List.of(m.create(new float[] {5, 1}), m.create(new float[] {4, 3, 2}));
            List<NDArray> masks = TopKMasks.compute(mixed, new long[] {6, 2}, PruningPattern.Scope.GLOBAL, 0.5);
            // 5 (6 weights), then 4 (8): the next, 3, would make 10 > 9
            assertThat(masks.get(0).toFloatArray()).containsExactly(1f, 0f);
            assertThat(masks.get(1).toFloatArray()).containsExactly(1f, 0f, 0f);
        }
    }
}
