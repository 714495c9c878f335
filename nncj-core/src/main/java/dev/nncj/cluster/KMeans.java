package dev.nncj.cluster;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Random;
import java.util.Set;

/**
 * One-dimensional k-means (Lloyd's iterations) over the values of one weight tensor. In one
 * dimension the nearest centroid is found by binary search over the sorted centroids, so an
 * iteration costs O(n log k); iterations stop when no value changes cluster (or after
 * {@link #MAX_ITERATIONS}). A cluster that loses all its values keeps its centroid.
 */
public final class KMeans {
    static final int MAX_ITERATIONS = 100;

    private KMeans() {}

    /**
     * @param centroids ascending, at most k (fewer when there are fewer distinct values)
     * @param assignment for each input value, the index of its centroid
     */
    public record Clustering(float[] centroids, int[] assignment) {}

    public static Clustering fit(float[] values, int k, ClusterInit init, long seed) {
        if (k < 1) {
            throw new IllegalArgumentException("need at least 1 cluster, got " + k);
        }
        if (values.length == 0) {
            return new Clustering(new float[0], new int[0]);
        }
        float[] sorted = values.clone();
        Arrays.sort(sorted);
        double[] c = initial(values, sorted, k, init, seed);
        int[] assignment = new int[values.length];
        Arrays.fill(assignment, -1);
        for (int iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
            boolean changed = false;
            double[] sum = new double[c.length];
            long[] count = new long[c.length];
            for (int i = 0; i < values.length; i++) {
                int a = nearest(c, values[i]);
                changed |= a != assignment[i];
                assignment[i] = a;
                sum[a] += values[i];
                count[a]++;
            }
            if (!changed) {
                break;
            }
            for (int j = 0; j < c.length; j++) {
                if (count[j] > 0) {
                    c[j] = sum[j] / count[j];
                }
            }
            Arrays.sort(c); // means of intervals keep their order; sorting only guards float ties
        }
        float[] centroids = new float[c.length];
        for (int j = 0; j < c.length; j++) {
            centroids[j] = (float) c[j];
        }
        for (int i = 0; i < values.length; i++) {
            assignment[i] = nearest(c, values[i]);
        }
        return new Clustering(centroids, assignment);
    }

    static double[] initial(float[] values, float[] sorted, int k, ClusterInit init, long seed) {
        int distinct = distinctCount(sorted);
        int n = Math.min(k, distinct);
        double[] c = new double[n];
        double min = sorted[0];
        double max = sorted[sorted.length - 1];
        switch (init) {
            case LINEAR -> {
                for (int j = 0; j < n; j++) {
                    c[j] = n == 1 ? (min + max) / 2 : min + (max - min) * j / (n - 1);
                }
            }
            case DENSITY -> {
                for (int j = 0; j < n; j++) {
                    int at = (int) Math.min(sorted.length - 1, Math.floor((j + 0.5) / n * sorted.length));
                    c[j] = sorted[at];
                }
            }
            case RANDOM -> {
                Random random = new Random(seed);
                Set<Float> chosen = new LinkedHashSet<>();
                while (chosen.size() < n) {
                    chosen.add(values[random.nextInt(values.length)]);
                }
                int j = 0;
                for (float v : chosen) {
                    c[j++] = v;
                }
            }
            default -> throw new IllegalStateException(init.toString());
        }
        Arrays.sort(c);
        return c;
    }

    /** Index of the centroid nearest to v; ties go to the lower centroid. */
    static int nearest(double[] sortedCentroids, double v) {
        int lo = 0;
        int hi = sortedCentroids.length - 1;
        while (lo < hi) { // first centroid whose upper midpoint is >= v
            int mid = (lo + hi) >>> 1;
            if (v <= (sortedCentroids[mid] + sortedCentroids[mid + 1]) / 2) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    private static int distinctCount(float[] sorted) {
        int d = 1;
        for (int i = 1; i < sorted.length; i++) {
            if (Float.compare(sorted[i], sorted[i - 1]) != 0) {
                d++;
            }
        }
        return d;
    }
}
