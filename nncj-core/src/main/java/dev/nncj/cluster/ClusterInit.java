package dev.nncj.cluster;

/**
 * How k-means places its first centroids; Deep Compression (Han et al. 2016, section 3.2) compares
 * the three and finds linear best: it keeps centroids at the rare large weights, which matter most.
 */
public enum ClusterInit {
    /** Evenly spaced over [min, max] of the weights. */
    LINEAR,
    /** At the quantiles (j + 0.5) / k of the weights' distribution: dense where weights are dense. */
    DENSITY,
    /** Forgy: k distinct weights drawn at random (seeded). */
    RANDOM;

    public String cliName() {
        return dev.nncj.Choices.of(this);
    }

    /** Parses linear, density or random. */
    public static ClusterInit parse(String text) {
        return dev.nncj.Choices.parse(ClusterInit.class, text, dev.nncj.OptionName.of("init"));
    }
}
