package dev.nncj.transformer;

import dev.nncj.onnx.Tensor;
import java.util.Optional;

/**
 * e = LN(word[input_ids] + position[0..S-1] + tokenType[token_type_ids]). Positions are always
 * 0..S-1 (the lifter checks that the graph's position ids are that range); the token-type table
 * is present when the graph has a token-type input.
 */
public record Embeddings(Tensor word, Optional<Tensor> position, Optional<Tensor> tokenType, LayerNormSpec norm) {
    public int hidden() {
        return (int) word.dim(1);
    }

    public long parameterCount() {
        return word.numElements() + position.map(Tensor::numElements).orElse(0L)
                + tokenType.map(Tensor::numElements).orElse(0L) + norm.parameterCount();
    }
}
