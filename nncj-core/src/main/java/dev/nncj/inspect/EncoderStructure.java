package dev.nncj.inspect;

import dev.nncj.transformer.EncoderLayer;
import dev.nncj.transformer.EncoderSpec;
import java.util.List;
import java.util.Map;

/**
 * An encoder's structure as the surgery lifter proved it, layer by layer (heads and FFN width can
 * differ per layer after pruning).
 *
 * @param embeddingParameters word, position and token-type tables plus their LayerNorm
 * @param maskValue the c of the additive attention mask (1 - mask) * c
 * @param readAs the forms the lifter recognized, by part ("head split", "mask", "softmax", ...):
 *               the exporter's style, as {@code EncoderLifter.Result.forms()} gives it
 */
public record EncoderStructure(String normPlacement, float maskValue, boolean pooler, long embeddingParameters,
                               List<Layer> layers, Map<String, List<String>> readAs) {
    /** One layer: heads x head size, FFN width and activation, and its parameters. */
    public record Layer(int heads, int headSize, int ffnWidth, String activation, long parameters) {}

    public static EncoderStructure of(EncoderSpec spec) {
        return of(spec, Map.of());
    }

    public static EncoderStructure of(EncoderSpec spec, Map<String, List<String>> readAs) {
        return new EncoderStructure(spec.normPlacement().name().toLowerCase(java.util.Locale.ROOT), spec.maskValue(),
                spec.pooler().isPresent(), spec.embeddings().parameterCount(),
                spec.layers().stream().map(EncoderStructure::layer).toList(), readAs);
    }

    private static Layer layer(EncoderLayer l) {
        return new Layer(l.attention().heads(), l.attention().headSize(), l.ffn().width(),
                l.ffn().activation().name().toLowerCase(java.util.Locale.ROOT), l.parameterCount());
    }

    /** The one value all layers share, or -1 when they differ (a pruned encoder). */
    static int common(List<Layer> layers, java.util.function.ToIntFunction<Layer> f) {
        int first = f.applyAsInt(layers.get(0));
        return layers.stream().allMatch(l -> f.applyAsInt(l) == first) ? first : -1;
    }
}
