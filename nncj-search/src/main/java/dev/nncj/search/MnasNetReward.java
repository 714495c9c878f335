package dev.nncj.search;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * MnasNet's single-number reward (Tan et al. 2019): ACC x (LAT / T)^w, with T the latency target
 * (as a ratio of the teacher's) and w = -0.07 by default: a soft budget under which twice the
 * latency must buy about 5% more accuracy (2^0.07 = 1.05), on either side of the target. The
 * budget mode's alternative to a hard limit, for picking one model from a front.
 */
public record MnasNetReward(double targetLatencyRatio, double exponent) {
    public static final double DEFAULT_EXPONENT = -0.07;

    public MnasNetReward {
        if (!(targetLatencyRatio > 0)) {
            throw new IllegalArgumentException("the latency target must be positive, got " + targetLatencyRatio);
        }
    }

    public double of(Objectives o) {
        return o.accuracy() * Math.pow(o.latencyRatio() / targetLatencyRatio, exponent);
    }

    /** The candidate with the highest reward. */
    public Optional<Scored> best(List<Scored> candidates) {
        return candidates.stream().max(Comparator.comparingDouble(s -> of(s.objectives())));
    }
}
