package dev.nncj.cluster;

import dev.nncj.NncjException;
import dev.nncj.onnx.Graph;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.sparsity.PrunableWeight;
import dev.nncj.sparsity.PrunableWeights;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Weight sharing by clustering (Deep Compression, Han et al. 2016, section 3): each selected
 * MatMul/Gemm/Conv weight tensor (and, if asked, the token-embedding table) gets its own K centroids by one-dimensional k-means over its
 * non-zero values, and every non-zero weight is replaced by its centroid. Zeros (a pruned tensor's)
 * are not clustered and stay exactly zero. The tensor is then stored as a {@link CodebookWeight}:
 * uint8 indices and a float codebook, which ONNX Runtime folds back to a dense tensor at load, so
 * this is a size method: latency is float32's.
 */
public final class WeightClusterer {
    private WeightClusterer() {}

    /** Clusters {@code model}'s weights in place; {@code source} is named in errors. */
    public static ClusterResult cluster(OnnxModel model, Path source, ClusterOptions options) {
        Graph graph = model.graph();
        List<PrunableWeight> selected = PrunableWeights.find(graph, options.filter(), options.includeEmbeddings());
        if (selected.isEmpty()) {
            throw NncjException.inFile(source, "has no weights to cluster: no MatMul, Gemm or Conv reads a float "
                    + "initializer that ", dev.nncj.OptionName.of("include"), "/", dev.nncj.OptionName.of("exclude"), " select (already clustered weights are not clustered again)");
        }
        List<ClusterResult.Clustered> done = new ArrayList<>();
        for (PrunableWeight w : selected) {
            Tensor t = graph.initializer(w.name()).orElseThrow();
            float[] values = t.toFloats();
            Encoded e = encode(values, options);
            CodebookWeight.replace(graph, w.name(), e.centroids(), e.indices());
            done.add(new ClusterResult.Clustered(w.name(), w.opType(), values.length, e.nonZeros(), e.centroids().length,
                    e.squaredError()));
        }
        return new ClusterResult(done);
    }

    /** Centroids and indices (0 = zero, j + 1 = centroid j) of one tensor's values. */
    record Encoded(float[] centroids, byte[] indices, long nonZeros, double squaredError) {}

    static Encoded encode(float[] values, ClusterOptions options) {
        int nonZeros = 0;
        for (float v : values) {
            if (v != 0f) {
                nonZeros++;
            }
        }
        float[] kept = new float[nonZeros];
        int at = 0;
        for (float v : values) {
            if (v != 0f) {
                kept[at++] = v;
            }
        }
        KMeans.Clustering c = KMeans.fit(kept, options.clusters(), options.init(), options.seed());
        byte[] indices = new byte[values.length];
        double error = 0;
        at = 0;
        for (int i = 0; i < values.length; i++) {
            if (values[i] != 0f) {
                int j = c.assignment()[at++];
                indices[i] = (byte) (j + 1);
                double d = c.centroids()[j] - values[i];
                error += d * d;
            }
        }
        return new Encoded(c.centroids(), indices, nonZeros, error);
    }
}
