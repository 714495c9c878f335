package dev.nncj.cluster;

import java.util.List;

/** What {@link WeightClusterer} did, one entry per clustered weight. */
public record ClusterResult(List<Clustered> weights) {
    public ClusterResult {
        weights = List.copyOf(weights);
    }

    /**
     * @param nonZeros elements that got a centroid (the rest were pruned zeros and stay exactly 0)
     * @param clusters centroids actually used (fewer than asked when the tensor has fewer distinct values)
     * @param squaredError sum over elements of (clustered - original)^2
     */
    public record Clustered(String name, String opType, long elements, long nonZeros, int clusters, double squaredError) {
        /** Bits of a fixed-length index into the codebook plus the zero: ceil(log2(K + 1)). */
        public int indexBits() {
            return Math.max(1, 32 - Integer.numberOfLeadingZeros(clusters));
        }
    }

    public long elements() {
        return weights.stream().mapToLong(Clustered::elements).sum();
    }

    public long nonZeros() {
        return weights.stream().mapToLong(Clustered::nonZeros).sum();
    }

    /**
     * Bits per weight with fixed-length indices and the float32 codebooks counted:
     * (sum of elements * indexBits + 32 * K) / elements. The .nncj container's Huffman coding goes
     * below this; the ONNX file itself stores 8-bit indices.
     */
    public double fixedLengthBitsPerWeight() {
        double bits = weights.stream().mapToDouble(w -> (double) w.elements() * w.indexBits() + 32.0 * w.clusters()).sum();
        return elements() == 0 ? 0 : bits / elements();
    }
}
