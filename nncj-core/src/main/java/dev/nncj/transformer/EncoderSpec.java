package dev.nncj.transformer;

import java.util.List;
import java.util.Optional;

/**
 * A BERT-family encoder made explicit: embeddings, layers (each with its own head count and FFN
 * width), where the LayerNorms sit, the additive attention mask (1 - mask) * maskValue added to
 * the scores before softmax, an optional pooler, an optional task head (a classifier on top), and
 * the graph interface to re-emit. Produced by {@link EncoderLifter}, edited by structural pruning,
 * written back by {@link EncoderEmitter}.
 *
 * @param finalNorm present for pre-norm encoders only (the LayerNorm after the last layer)
 * @param head      what the graph computes from the last hidden state besides the pooler, carried verbatim
 */
public record EncoderSpec(Embeddings embeddings, List<EncoderLayer> layers, NormPlacement normPlacement,
                          Optional<LayerNormSpec> finalNorm, float maskValue, Optional<Pooler> pooler,
                          EncoderInterface io, Optional<TaskHead> head) {
    public EncoderSpec {
        layers = List.copyOf(layers);
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("an encoder needs at least one layer");
        }
    }

    /** A bare encoder: no task head. */
    public EncoderSpec(Embeddings embeddings, List<EncoderLayer> layers, NormPlacement normPlacement,
                       Optional<LayerNormSpec> finalNorm, float maskValue, Optional<Pooler> pooler, EncoderInterface io) {
        this(embeddings, layers, normPlacement, finalNorm, maskValue, pooler, io, Optional.empty());
    }

    public int hidden() {
        return embeddings.hidden();
    }

    /**
     * Floating-point parameters, counted as the emitted graph stores them: a weight several parts
     * share (ALBERT's layers, cross-layer sharing) counts once.
     */
    public long parameterCount() {
        return SharedWeights.distinctParameters(this) + head.map(TaskHead::parameterCount).orElse(0L);
    }

    public EncoderSpec withLayers(List<EncoderLayer> newLayers) {
        return new EncoderSpec(embeddings, newLayers, normPlacement, finalNorm, maskValue, pooler, io, head);
    }
}
