package dev.nncj.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class KMeansTest {
    /** Two tight groups far apart: any sane start finds their means. */
    private static final float[] TWO_GROUPS = {-1.1f, -0.9f, -1.0f, 2.0f, 2.2f, 1.8f};

    @Test
    void linearInitStartsEvenlyOverMinToMax() {
        float[] v = {0f, 1f, 2f, 10f};
        float[] sorted = v.clone();
        assertThat(KMeans.initial(v, sorted, 3, ClusterInit.LINEAR, 0)).containsExactly(0, 5, 10);
    }

    @Test
    void densityInitStartsAtQuantiles() {
        // 8 values: quantiles (j + 0.5) / 2 of the sorted values are elements 2 and 6
        float[] v = {0f, 0.1f, 0.2f, 0.3f, 5f, 6f, 7f, 8f};
        assertThat(KMeans.initial(v, v.clone(), 2, ClusterInit.DENSITY, 0)).containsExactly((double) 0.2f, 7.0);
    }

    @Test
    void convergesToTheGroupMeansFromEveryInit() {
        for (ClusterInit init : ClusterInit.values()) {
            KMeans.Clustering c = KMeans.fit(TWO_GROUPS, 2, init, 3);
            assertThat(c.centroids()[0]).as(init.name()).isCloseTo(-1.0f, within(1e-6f));
            assertThat(c.centroids()[1]).as(init.name()).isCloseTo(2.0f, within(1e-6f));
            assertThat(c.assignment()).as(init.name()).containsExactly(0, 0, 0, 1, 1, 1);
        }
    }

    @Test
    void linearKeepsAnOutlierItsOwnCentroidWhereDensityMergesIt() {
        // Deep Compression's argument for linear init: large, rare weights keep a centroid.
        // 100 weights evenly over [0, 1) and one at 3
        float[] v = new float[101];
        for (int i = 0; i < 100; i++) {
            v[i] = i / 100f;
        }
        v[100] = 3f;
        KMeans.Clustering linear = KMeans.fit(v, 2, ClusterInit.LINEAR, 0);
        assertThat(linear.centroids()[1]).isEqualTo(3f);
        KMeans.Clustering density = KMeans.fit(v, 2, ClusterInit.DENSITY, 0);
        assertThat(density.centroids()[1]).isLessThan(1f); // the outlier shares a centroid with half the small weights
    }

    @Test
    void fewerDistinctValuesThanClustersGiveOneCentroidEach() {
        KMeans.Clustering c = KMeans.fit(new float[] {3f, 3f, -1f}, 16, ClusterInit.LINEAR, 0);
        assertThat(c.centroids()).containsExactly(-1f, 3f);
        assertThat(c.assignment()).containsExactly(1, 1, 0);
    }

    @Test
    void emptyInputGivesNoCentroids() {
        assertThat(KMeans.fit(new float[0], 4, ClusterInit.DENSITY, 0).centroids()).isEmpty();
    }
}
