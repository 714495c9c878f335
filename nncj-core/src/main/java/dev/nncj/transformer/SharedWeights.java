package dev.nncj.transformer;

import dev.nncj.onnx.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Weights shared across layers, as ALBERT's export holds them (one initializer read by every
 * layer) and as cross-layer sharing makes them. A spec shares a weight by holding the same
 * {@link Tensor} object in several places (the emitter writes it once), and a layer whose weights
 * are all another layer's is that layer's object, so pruning edits it once for all its uses.
 */
final class SharedWeights {
    private SharedWeights() {}

    /** {@code layers}, each layer equal to an earlier one (the same tensor objects) replaced by that one. */
    static List<EncoderLayer> tie(List<EncoderLayer> layers) {
        List<EncoderLayer> tied = new ArrayList<>();
        for (EncoderLayer l : layers) {
            tied.add(tied.stream().filter(l::equals).findFirst().orElse(l));
        }
        return tied;
    }

    /** True when some layer object appears more than once. */
    static boolean anyLayerShared(List<EncoderLayer> layers) {
        return distinct(layers.stream()).size() < layers.size();
    }

    /**
     * The indexes of two different layer objects that hold a same tensor (some weights shared, not
     * all), or empty when every layer is either wholly shared or not at all.
     */
    static Optional<int[]> partiallyShared(List<EncoderLayer> layers) {
        Map<Tensor, Integer> owner = new IdentityHashMap<>();
        for (int i = 0; i < layers.size(); i++) {
            int first = layers.indexOf(layers.get(i));
            for (Tensor t : tensors(layers.get(i))) {
                Integer o = owner.putIfAbsent(t, first);
                if (o != null && layers.get(o) != layers.get(i)) {
                    return Optional.of(new int[] {o, i});
                }
            }
        }
        return Optional.empty();
    }

    /** Floating-point parameters of the spec's distinct tensors, as the emitted graph stores them. */
    static long distinctParameters(EncoderSpec spec) {
        Stream<Tensor> all = Stream.of(tensors(spec.embeddings()).stream(),
                spec.layers().stream().flatMap(l -> tensors(l).stream()),
                spec.finalNorm().stream().flatMap(n -> Stream.of(n.gamma(), n.beta())),
                spec.pooler().stream().flatMap(p -> tensors(p.dense())))
                .flatMap(s -> s);
        return distinct(all).stream().mapToLong(Tensor::numElements).sum();
    }

    static List<Tensor> tensors(EncoderLayer l) {
        AttentionSpec a = l.attention();
        return Stream.of(tensors(a.query()), tensors(a.key()), tensors(a.value()), tensors(a.output()),
                Stream.of(l.attentionNorm().gamma(), l.attentionNorm().beta()),
                tensors(l.ffn().up()), tensors(l.ffn().down()),
                Stream.of(l.ffnNorm().gamma(), l.ffnNorm().beta())).flatMap(s -> s).toList();
    }

    static List<Tensor> tensors(Embeddings e) {
        return Stream.of(Stream.of(e.word()), e.position().stream(), e.tokenType().stream(),
                e.norm().stream().flatMap(n -> Stream.of(n.gamma(), n.beta())),
                e.projection().stream().flatMap(SharedWeights::tensors)).flatMap(s -> s).toList();
    }

    private static Stream<Tensor> tensors(Linear l) {
        return Stream.of(l.weight(), l.bias());
    }

    private static <T> Set<T> distinct(Stream<T> items) {
        Set<T> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        items.forEach(seen::add);
        return seen;
    }
}
