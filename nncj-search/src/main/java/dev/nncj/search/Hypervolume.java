package dev.nncj.search;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The volume of objective space a set of candidates dominates, bounded by a reference point
 * (accuracy {@code refAccuracy}, latency and size ratios {@code refLatency}, {@code refSize}): the
 * larger, the better the front. Exact, by slicing along accuracy and summing 2-D areas; points not
 * better than the reference in every objective add nothing. Quadratic, fine for a few hundred.
 */
public final class Hypervolume {
    private Hypervolume() {}

    public static double of(List<Objectives> points, double refAccuracy, double refLatency, double refSize) {
        List<Objectives> inside = new ArrayList<>();
        for (Objectives o : points) {
            if (o.accuracy() > refAccuracy && o.latencyRatio() < refLatency && o.sizeRatio() < refSize) {
                inside.add(o);
            }
        }
        // from the most accurate down: slice i spans accuracies (acc[i+1], acc[i]] and is dominated in
        // latency x size by every point at least as accurate as acc[i]
        inside.sort(Comparator.comparingDouble(Objectives::accuracy).reversed());
        double volume = 0;
        for (int i = 0; i < inside.size(); i++) {
            double top = inside.get(i).accuracy();
            double bottom = i + 1 < inside.size() ? inside.get(i + 1).accuracy() : refAccuracy;
            if (top > bottom) {
                volume += (top - bottom) * area(inside.subList(0, i + 1), refLatency, refSize);
            }
        }
        return volume;
    }

    /** The latency x size area the points dominate below the reference corner. */
    static double area(List<Objectives> points, double refLatency, double refSize) {
        List<Objectives> byLatency = new ArrayList<>(points);
        byLatency.sort(Comparator.comparingDouble(Objectives::latencyRatio));
        double area = 0;
        double bestSize = refSize;
        for (int i = 0; i < byLatency.size(); i++) {
            bestSize = Math.min(bestSize, byLatency.get(i).sizeRatio());
            double right = i + 1 < byLatency.size() ? byLatency.get(i + 1).latencyRatio() : refLatency;
            area += (right - byLatency.get(i).latencyRatio()) * (refSize - bestSize);
        }
        return area;
    }
}
