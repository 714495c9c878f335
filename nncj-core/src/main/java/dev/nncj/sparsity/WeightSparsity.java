package dev.nncj.sparsity;

/**
 * What sparsification did to one weight.
 *
 * @param zeros elements equal to zero afterwards (pruned ones and any that were zero before)
 * @param storedSparse written as an ONNX sparse_initializer (false: dense, because sparse would not
 *     be smaller or because dense storage was asked for)
 */
public record WeightSparsity(String name, String opType, long elements, long zeros, boolean storedSparse) {
    public double sparsity() {
        return elements == 0 ? 0 : (double) zeros / elements;
    }
}
