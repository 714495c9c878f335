package dev.nncj.transformer;

/** The feed-forward activation of an encoder layer. */
public enum Activation {
    /** x * 0.5 * (1 + erf(x / sqrt 2)): BERT's exact GELU. */
    GELU_ERF,
    /** 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 x^3))): GPT-2's approximation. */
    GELU_TANH,
    RELU
}
