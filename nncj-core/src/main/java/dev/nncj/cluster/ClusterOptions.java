package dev.nncj.cluster;

import dev.nncj.quantize.NodeFilter;
import java.util.Objects;

/**
 * @param clusters K centroids per weight tensor (1 to 255; pruned zeros are not a cluster)
 * @param init how k-means starts
 * @param filter which MatMul/Gemm/Conv nodes' weights are clustered
 * @param seed for {@link ClusterInit#RANDOM}
 */
public record ClusterOptions(int clusters, ClusterInit init, NodeFilter filter, long seed) {
    public ClusterOptions {
        Objects.requireNonNull(init, "init");
        Objects.requireNonNull(filter, "filter");
        if (clusters < 1 || clusters > CodebookWeight.MAX_CLUSTERS) {
            throw new IllegalArgumentException("--clusters must be in 1.." + CodebookWeight.MAX_CLUSTERS + ", got " + clusters);
        }
    }

    public static ClusterOptions of(int clusters, ClusterInit init) {
        return new ClusterOptions(clusters, init, NodeFilter.all(), 42);
    }
}
