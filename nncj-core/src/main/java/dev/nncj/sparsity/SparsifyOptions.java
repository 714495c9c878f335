package dev.nncj.sparsity;

import dev.nncj.onnx.NodeFilter;
import java.util.Map;
import java.util.Objects;

/**
 * @param pattern magnitude (global or per layer) or N:M
 * @param filter which MatMul/Gemm/Conv nodes' weights may be pruned (the embedding's Gather too)
 * @param includeEmbeddings also prune the token-embedding table (magnitude patterns only: N:M has
 *     no meaning for a lookup table)
 * @param storage how the pruned weights are written
 * @param inputMeanSquares E[x_k^2] per input feature of the activations (by value name) that pruned
 *     weights multiply; a weight whose input is here is ranked by |w| sqrt(E[x_k^2])
 *     ({@link InputScaledMagnitude}, Wanda's score) instead of |w|. Empty: plain magnitude.
 */
public record SparsifyOptions(PruningPattern pattern, NodeFilter filter, boolean includeEmbeddings, Storage storage,
                              Map<String, double[]> inputMeanSquares) {
    public SparsifyOptions {
        inputMeanSquares = Map.copyOf(inputMeanSquares);
        Objects.requireNonNull(pattern, "pattern");
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(storage, "storage");
        if (includeEmbeddings && pattern instanceof PruningPattern.NofM) {
            throw new dev.nncj.OptionException(dev.nncj.OptionName.of("includeEmbeddings"), " works with ", dev.nncj.OptionName.of("sparsity"), " only: N:M is for matrix multiplications");
        }
    }

    /** Ranked by plain magnitude. */
    public SparsifyOptions(PruningPattern pattern, NodeFilter filter, boolean includeEmbeddings, Storage storage) {
        this(pattern, filter, includeEmbeddings, storage, Map.of());
    }

    public static SparsifyOptions magnitude(double sparsity, PruningPattern.Scope scope) {
        return new SparsifyOptions(new PruningPattern.Magnitude(sparsity, scope), NodeFilter.all(), false,
                Storage.SPARSE_INITIALIZERS);
    }

    public SparsifyOptions withStorage(Storage newStorage) {
        return new SparsifyOptions(pattern, filter, includeEmbeddings, newStorage, inputMeanSquares);
    }

    public SparsifyOptions withEmbeddings(boolean include) {
        return new SparsifyOptions(pattern, filter, include, storage, inputMeanSquares);
    }

    /** Ranked by |w| times the RMS of the input feature it multiplies, for the inputs measured in {@code meanSquares}. */
    public SparsifyOptions withInputMeanSquares(Map<String, double[]> meanSquares) {
        return new SparsifyOptions(pattern, filter, includeEmbeddings, storage, meanSquares);
    }
}
