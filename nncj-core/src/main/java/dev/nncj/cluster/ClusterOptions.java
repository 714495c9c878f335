package dev.nncj.cluster;

import dev.nncj.onnx.NodeFilter;
import java.util.Objects;

/**
 * @param clusters K centroids per weight tensor (1 to 255; pruned zeros are not a cluster)
 * @param init how k-means starts
 * @param filter which MatMul/Gemm/Conv nodes' weights are clustered
 * @param includeEmbeddings also cluster the token-embedding table (half of a MiniLM's bytes); found
 *     afterwards through its indices, so eval and bench still read the vocabulary size
 * @param seed for {@link ClusterInit#RANDOM}
 */
public record ClusterOptions(int clusters, ClusterInit init, NodeFilter filter, boolean includeEmbeddings, long seed) {
    public ClusterOptions {
        Objects.requireNonNull(init, "init");
        Objects.requireNonNull(filter, "filter");
        if (clusters < 1 || clusters > CodebookWeight.MAX_CLUSTERS) {
            throw new dev.nncj.OptionException(dev.nncj.OptionName.of("clusters"), " must be in 1.." + CodebookWeight.MAX_CLUSTERS + ", got " + clusters);
        }
    }

    public static ClusterOptions of(int clusters, ClusterInit init) {
        return new ClusterOptions(clusters, init, NodeFilter.all(), false, 42);
    }

    public ClusterOptions withEmbeddings(boolean include) {
        return new ClusterOptions(clusters, init, filter, include, seed);
    }
}
