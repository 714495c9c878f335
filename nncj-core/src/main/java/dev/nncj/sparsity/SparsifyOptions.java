package dev.nncj.sparsity;

import dev.nncj.quantize.NodeFilter;
import java.util.Objects;

/**
 * @param pattern magnitude (global or per layer) or N:M
 * @param filter which MatMul/Gemm/Conv nodes' weights may be pruned (the embedding's Gather too)
 * @param includeEmbeddings also prune the token-embedding table (magnitude patterns only: N:M has
 *     no meaning for a lookup table)
 * @param storage how the pruned weights are written
 */
public record SparsifyOptions(PruningPattern pattern, NodeFilter filter, boolean includeEmbeddings, Storage storage) {
    public SparsifyOptions {
        Objects.requireNonNull(pattern, "pattern");
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(storage, "storage");
        if (includeEmbeddings && pattern instanceof PruningPattern.NofM) {
            throw new IllegalArgumentException("--include-embeddings works with --sparsity only: N:M is for matrix multiplications");
        }
    }

    public static SparsifyOptions magnitude(double sparsity, PruningPattern.Scope scope) {
        return new SparsifyOptions(new PruningPattern.Magnitude(sparsity, scope), NodeFilter.all(), false,
                Storage.SPARSE_INITIALIZERS);
    }

    public SparsifyOptions withStorage(Storage newStorage) {
        return new SparsifyOptions(pattern, filter, includeEmbeddings, newStorage);
    }

    public SparsifyOptions withEmbeddings(boolean include) {
        return new SparsifyOptions(pattern, filter, include, storage);
    }
}
