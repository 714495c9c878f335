package dev.nncj.transformer;

import dev.nncj.onnx.Tensor;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * e = project(LN(word[input_ids] + position[position_ids] + tokenType[token_type_ids])).
 * <ul>
 * <li>Position ids are 0..S-1 (BERT; the lifter checks the graph's ids are that range), or, when
 * {@code paddingIdx} is present, counted from the padding mask as RoBERTa and XLM-R do:
 * padding_idx + cumsum(ids != padding_idx) for real tokens and padding_idx for pads.</li>
 * <li>The token-type table is indexed by the graph's token-type input when it has one; without
 * one, every token has type 0 (RoBERTa's buffered zeros), so row 0 is added to every token.</li>
 * <li>The LayerNorm is absent only in pre-norm stacks that feed the raw sum to the first layer
 * (whose own LN1 normalizes it).</li>
 * <li>{@code projection} maps the embedding width E to the hidden width H where they differ
 * (ELECTRA's embeddings_project, ALBERT's factorized embeddings).</li>
 * </ul>
 */
public record Embeddings(Tensor word, Optional<Tensor> position, Optional<Tensor> tokenType,
                         Optional<LayerNormSpec> norm, Optional<Linear> projection, OptionalLong paddingIdx) {
    /** BERT's embeddings: positions 0..S-1, no projection. */
    public Embeddings(Tensor word, Optional<Tensor> position, Optional<Tensor> tokenType, Optional<LayerNormSpec> norm) {
        this(word, position, tokenType, norm, Optional.empty(), OptionalLong.empty());
    }

    /** Embeddings with their LayerNorm (BERT and every post-norm encoder). */
    public Embeddings(Tensor word, Optional<Tensor> position, Optional<Tensor> tokenType, LayerNormSpec norm) {
        this(word, position, tokenType, Optional.of(norm));
    }

    public Embeddings {
        if (paddingIdx.isPresent() && position.isEmpty()) {
            throw new IllegalArgumentException("positions from the padding mask need a position table");
        }
        if (projection.isPresent() && projection.get().in() != word.dim(1)) {
            throw new IllegalArgumentException("the embedding projection reads " + projection.get().in()
                    + " units, the embeddings have " + word.dim(1));
        }
    }

    /** The width of the residual stream the embeddings feed to layer 0. */
    public int hidden() {
        return projection.map(Linear::out).orElse((int) word.dim(1));
    }

    public long parameterCount() {
        return word.numElements() + position.map(Tensor::numElements).orElse(0L)
                + tokenType.map(Tensor::numElements).orElse(0L) + norm.map(LayerNormSpec::parameterCount).orElse(0L)
                + projection.map(Linear::parameterCount).orElse(0L);
    }
}
