package dev.nncj.transformer;

import dev.nncj.onnx.Tensor;

/** y = (x - mean(x)) / sqrt(var(x) + epsilon) * gamma + beta over the last (hidden) axis. */
public record LayerNormSpec(Tensor gamma, Tensor beta, float epsilon) {
    public LayerNormSpec {
        if (gamma.rank() != 1 || beta.rank() != 1 || gamma.dim(0) != beta.dim(0)) {
            throw new IllegalArgumentException("LayerNorm gamma and beta must be vectors of one length");
        }
    }

    public int width() {
        return (int) gamma.dim(0);
    }

    public long parameterCount() {
        return gamma.numElements() + beta.numElements();
    }
}
