package dev.nncj.search;

/**
 * What a candidate scored: accuracy on the selection data (higher is better), and its p50 latency
 * and file size as ratios of the teacher's (lower is better).
 */
public record Objectives(double accuracy, double latencyRatio, double sizeRatio) {
    /** True when this is at least as good in every objective and better in one. */
    public boolean dominates(Objectives o) {
        boolean noWorse = accuracy >= o.accuracy && latencyRatio <= o.latencyRatio && sizeRatio <= o.sizeRatio;
        boolean better = accuracy > o.accuracy || latencyRatio < o.latencyRatio || sizeRatio < o.sizeRatio;
        return noWorse && better;
    }
}
