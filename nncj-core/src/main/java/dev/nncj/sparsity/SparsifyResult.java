package dev.nncj.sparsity;

import dev.nncj.onnx.OnnxModel;
import java.util.List;

/**
 * @param model the sparsified model (the input model, edited)
 * @param weights each selected weight, in graph order
 * @param notes weights left dense and why (e.g. a reduction axis not a multiple of M)
 */
public record SparsifyResult(OnnxModel model, List<WeightSparsity> weights, List<String> notes) {
    public SparsifyResult {
        weights = List.copyOf(weights);
        notes = List.copyOf(notes);
    }

    public long elements() {
        return weights.stream().mapToLong(WeightSparsity::elements).sum();
    }

    public long zeros() {
        return weights.stream().mapToLong(WeightSparsity::zeros).sum();
    }

    /** Zeros over all selected weights. */
    public double sparsity() {
        return elements() == 0 ? 0 : (double) zeros() / elements();
    }

    public long storedSparse() {
        return weights.stream().filter(WeightSparsity::storedSparse).count();
    }
}
