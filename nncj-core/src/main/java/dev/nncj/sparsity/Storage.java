package dev.nncj.sparsity;

/** How pruned weights are written. */
public enum Storage {
    /**
     * ONNX sparse_initializer (values + int8/16/32/64 linear indices) for every tensor where that is
     * smaller than dense. Stock ONNX Runtime loads it (and densifies it at load).
     */
    SPARSE_INITIALIZERS,
    /** Zeros stored densely: the file does not shrink. The reference the sparse forms must equal. */
    DENSE
}
