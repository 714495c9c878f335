package dev.nncj.transformer;

import dev.nncj.onnx.Tensor;
import java.util.Optional;

/**
 * e = LN(word[input_ids] + position[0..S-1] + tokenType[token_type_ids]). Positions are always
 * 0..S-1 (the lifter checks that the graph's position ids are that range); the token-type table
 * is present when the graph has a token-type input. The LayerNorm is absent only in pre-norm
 * stacks that feed the raw sum to the first layer (whose own LN1 normalizes it).
 */
public record Embeddings(Tensor word, Optional<Tensor> position, Optional<Tensor> tokenType,
                         Optional<LayerNormSpec> norm) {
    /** Embeddings with their LayerNorm (BERT and every post-norm encoder). */
    public Embeddings(Tensor word, Optional<Tensor> position, Optional<Tensor> tokenType, LayerNormSpec norm) {
        this(word, position, tokenType, Optional.of(norm));
    }

    public int hidden() {
        return (int) word.dim(1);
    }

    public long parameterCount() {
        return word.numElements() + position.map(Tensor::numElements).orElse(0L)
                + tokenType.map(Tensor::numElements).orElse(0L) + norm.map(LayerNormSpec::parameterCount).orElse(0L);
    }
}
