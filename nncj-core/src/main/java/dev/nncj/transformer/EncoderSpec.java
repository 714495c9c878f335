package dev.nncj.transformer;

import java.util.List;
import java.util.Optional;

/**
 * A BERT-family encoder made explicit: embeddings, layers (each with its own head count and FFN
 * width), where the LayerNorms sit, the additive attention mask (1 - mask) * maskValue added to
 * the scores before softmax, an optional pooler, and the graph interface to re-emit. Produced by
 * {@link EncoderLifter}, edited by structural pruning, written back by {@link EncoderEmitter}.
 *
 * @param finalNorm present for pre-norm encoders only (the LayerNorm after the last layer)
 */
public record EncoderSpec(Embeddings embeddings, List<EncoderLayer> layers, NormPlacement normPlacement,
                          Optional<LayerNormSpec> finalNorm, float maskValue, Optional<Pooler> pooler,
                          EncoderInterface io) {
    public EncoderSpec {
        layers = List.copyOf(layers);
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("an encoder needs at least one layer");
        }
    }

    public int hidden() {
        return embeddings.hidden();
    }

    /** Floating-point parameters, counted as the emitted graph stores them. */
    public long parameterCount() {
        long n = embeddings.parameterCount() + finalNorm.map(LayerNormSpec::parameterCount).orElse(0L)
                + pooler.map(p -> p.dense().parameterCount()).orElse(0L);
        for (EncoderLayer l : layers) {
            n += l.parameterCount();
        }
        return n;
    }

    public EncoderSpec withLayers(List<EncoderLayer> newLayers) {
        return new EncoderSpec(embeddings, newLayers, normPlacement, finalNorm, maskValue, pooler, io);
    }
}
