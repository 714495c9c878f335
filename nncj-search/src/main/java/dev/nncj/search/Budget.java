package dev.nncj.search;

import java.util.OptionalDouble;

/**
 * The limits a deployable candidate must meet, as ratios of the teacher's p50 latency and file
 * size; either may be absent. {@link #violation} measures how far a candidate is outside them, so
 * that the search can prefer the least infeasible while nothing is feasible yet (Deb's rule).
 */
public record Budget(OptionalDouble maxLatencyRatio, OptionalDouble maxSizeRatio) {
    public static Budget none() {
        return new Budget(OptionalDouble.empty(), OptionalDouble.empty());
    }

    /** 0 when within budget, else the sum of relative excesses over each limit. */
    public double violation(Objectives o) {
        double v = 0;
        if (maxLatencyRatio.isPresent() && o.latencyRatio() > maxLatencyRatio.getAsDouble()) {
            v += o.latencyRatio() / maxLatencyRatio.getAsDouble() - 1;
        }
        if (maxSizeRatio.isPresent() && o.sizeRatio() > maxSizeRatio.getAsDouble()) {
            v += o.sizeRatio() / maxSizeRatio.getAsDouble() - 1;
        }
        return v;
    }

    /** "p50 <= 0.33x, file <= 0.1x of the teacher's", or "none". */
    public String describe() {
        java.util.List<String> parts = new java.util.ArrayList<>();
        maxLatencyRatio.ifPresent(r -> parts.add("p50 <= " + r + "x"));
        maxSizeRatio.ifPresent(r -> parts.add("file <= " + r + "x"));
        return parts.isEmpty() ? "none" : String.join(", ", parts) + " of the teacher's";
    }

    public boolean admits(Objectives o) {
        return violation(o) == 0;
    }
}
