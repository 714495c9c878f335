package dev.nncj.transformer;

/** BERT's pooler: pooled = tanh(h[:, 0, :] W + b), the first token's final state through a dense layer. */
public record Pooler(Linear dense) {
}
