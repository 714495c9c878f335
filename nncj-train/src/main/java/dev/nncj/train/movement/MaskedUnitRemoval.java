package dev.nncj.train.movement;

import dev.nncj.transformer.EncoderLayer;
import dev.nncj.transformer.EncoderSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Physically removes the heads and FFN neurons whose block score ended masked (the spec must hold
 * the masked weights, {@link MaskedWeights}), as {@code nncj prune} removes heads and neurons: the
 * surviving units are untouched, so the emitted encoder computes what the masked one computed.
 *
 * <p>A layer whose every head (or neuron) is masked keeps one: the emitter cannot write attention
 * without heads. Its output weights (Wo's rows, W2's row) are already zero, so it adds nothing
 * but its bias, exactly what the masked layer computed.
 */
final class MaskedUnitRemoval {
    private MaskedUnitRemoval() {}

    /** The pruned spec and what went. */
    record Removed(EncoderSpec spec, int heads, int neurons, List<String> notes) {}

    static Removed apply(EncoderSpec spec, MovementScores scores, List<float[]> masks) {
        List<EncoderLayer> layers = new ArrayList<>(spec.layers());
        List<String> notes = new ArrayList<>();
        int heads = 0;
        int neurons = 0;
        for (int t = 0; t < scores.tensors().size(); t++) {
            MovementScores.ScoreTensor s = scores.tensors().get(t);
            if (s.unit() == MovementScores.Unit.WEIGHT) {
                continue;
            }
            float[] mask = masks.get(t);
            int[] kept = IntStream.range(0, mask.length).filter(i -> mask[i] != 0f).toArray();
            if (kept.length == 0) {
                kept = new int[] {0};
                notes.add("layer " + s.layer() + ": every " + s.unit().name().toLowerCase(java.util.Locale.ROOT)
                        + " masked; one is kept with zero output weights (the emitter needs at least one)");
            }
            EncoderLayer l = layers.get(s.layer());
            if (kept.length == mask.length) {
                continue;
            }
            if (s.unit() == MovementScores.Unit.HEAD) {
                heads += mask.length - kept.length;
                layers.set(s.layer(), l.withAttention(l.attention().keepHeads(kept)));
            } else {
                neurons += mask.length - kept.length;
                layers.set(s.layer(), l.withFfn(l.ffn().keepNeurons(kept)));
            }
        }
        return new Removed(spec.withLayers(layers), heads, neurons, notes);
    }
}
