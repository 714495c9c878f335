package dev.nncj.share;

import dev.nncj.NncjException;
import dev.nncj.OptionException;
import dev.nncj.OptionName;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.transformer.EmitOptions;
import dev.nncj.transformer.EncoderEmitter;
import dev.nncj.transformer.EncoderLifter;
import dev.nncj.transformer.AttentionSpec;
import dev.nncj.transformer.EncoderLayer;
import dev.nncj.transformer.EncoderSpec;
import dev.nncj.transformer.FeedForwardSpec;
import dev.nncj.transformer.LayerNormSpec;
import dev.nncj.transformer.Linear;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Cross-layer parameter sharing (ALBERT, Lan et al. 2020): the layers of each contiguous group are
 * replaced by one layer applied as many times, so the group's parameters are stored once. The
 * shared layer starts from the group's element-wise mean or from one of its layers; distillation
 * from the unshared model then recovers what the tie costs. Sharing is expressed in the
 * {@link EncoderSpec} by reusing one {@link EncoderLayer} object, which
 * {@link dev.nncj.transformer.EncoderEmitter} writes as one set of initializers read by every use.
 */
public final class CrossLayerSharing {
    private CrossLayerSharing() {}

    /**
     * Lifts {@code model}, shares its layers and emits the shared encoder (the original's metadata
     * carried over); {@code source} is named in errors.
     */
    public static SharedModel share(OnnxModel model, Path source, CrossLayerOptions options) {
        EncoderSpec spec = EncoderLifter.lift(model, source);
        CrossLayerResult result = share(spec, options);
        OnnxModel emitted = EncoderEmitter.emit(result.spec(), EmitOptions.defaults());
        model.metadata().forEach(emitted::putMetadata);
        return new SharedModel(emitted, result);
    }

    public static CrossLayerResult share(EncoderSpec spec, CrossLayerOptions options) {
        List<EncoderLayer> layers = spec.layers();
        int count = layers.size();
        if (options.groups() > count) {
            throw new OptionException(OptionName.of("groups"), " " + options.groups() + " is more groups than the encoder's " + count + " layers");
        }
        if (count % options.groups() != 0) {
            throw new OptionException(OptionName.of("groups"), " " + options.groups() + " does not divide the encoder's " + count
                    + " layers into equal contiguous groups");
        }
        int size = count / options.groups();
        if (options.init() instanceof SharedInit.Layer l && l.indexInGroup() >= size) {
            throw new OptionException(OptionName.of("init"), " layer:" + l.indexInGroup() + " is outside the groups of " + size
                    + " layers (layer:0 to layer:" + (size - 1) + ")");
        }
        List<EncoderLayer> shared = new ArrayList<>();
        List<List<Integer>> groups = new ArrayList<>();
        for (int g = 0; g < options.groups(); g++) {
            List<EncoderLayer> members = layers.subList(g * size, (g + 1) * size);
            requireSameShape(members, g * size);
            EncoderLayer one = options.init() instanceof SharedInit.Layer l ? members.get(l.indexInGroup()) : mean(members);
            List<Integer> indexes = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                shared.add(one); // the same object: emitted once
                indexes.add(g * size + i);
            }
            groups.add(indexes);
        }
        EncoderSpec result = spec.withLayers(shared);
        return new CrossLayerResult(result, groups, distinctParameters(layers), distinctParameters(shared));
    }

    /** Parameters of the distinct layer objects (a shared layer counts once). */
    static long distinctParameters(List<EncoderLayer> layers) {
        Set<EncoderLayer> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        return layers.stream().filter(seen::add).mapToLong(EncoderLayer::parameterCount).sum();
    }

    /** Layers can share weights only if they have the same heads, widths, activation and constants. */
    private static void requireSameShape(List<EncoderLayer> members, int firstIndex) {
        EncoderLayer a = members.get(0);
        for (int i = 1; i < members.size(); i++) {
            EncoderLayer b = members.get(i);
            String difference = a.attention().heads() != b.attention().heads() ? "attention heads " + a.attention().heads()
                    + " vs " + b.attention().heads()
                    : a.attention().headSize() != b.attention().headSize() ? "head size"
                    : a.ffn().width() != b.ffn().width() ? "FFN width " + a.ffn().width() + " vs " + b.ffn().width()
                    : a.ffn().activation() != b.ffn().activation() ? "activation"
                    : a.attention().scale() != b.attention().scale() ? "attention scale"
                    : a.attentionNorm().epsilon() != b.attentionNorm().epsilon() || a.ffnNorm().epsilon() != b.ffnNorm().epsilon()
                    ? "LayerNorm epsilon" : null;
            if (difference != null) {
                throw new NncjException("layers " + firstIndex + " and " + (firstIndex + i) + " cannot share weights: "
                        + difference);
            }
        }
    }

    private static EncoderLayer mean(List<EncoderLayer> members) {
        AttentionSpec a = members.get(0).attention();
        AttentionSpec attention = new AttentionSpec(a.heads(), a.headSize(),
                meanLinear(members, l -> l.attention().query()), meanLinear(members, l -> l.attention().key()),
                meanLinear(members, l -> l.attention().value()), meanLinear(members, l -> l.attention().output()), a.scale());
        FeedForwardSpec ffn = new FeedForwardSpec(meanLinear(members, l -> l.ffn().up()),
                meanLinear(members, l -> l.ffn().down()), members.get(0).ffn().activation());
        return new EncoderLayer(attention, meanNorm(members, EncoderLayer::attentionNorm), ffn,
                meanNorm(members, EncoderLayer::ffnNorm));
    }

    private static Linear meanLinear(List<EncoderLayer> members, Function<EncoderLayer, Linear> part) {
        List<Linear> ls = members.stream().map(part).toList();
        return new Linear(meanTensor(ls.stream().map(Linear::weight).toList()), meanTensor(ls.stream().map(Linear::bias).toList()));
    }

    private static LayerNormSpec meanNorm(List<EncoderLayer> members, Function<EncoderLayer, LayerNormSpec> part) {
        List<LayerNormSpec> ns = members.stream().map(part).toList();
        return new LayerNormSpec(meanTensor(ns.stream().map(LayerNormSpec::gamma).toList()),
                meanTensor(ns.stream().map(LayerNormSpec::beta).toList()), ns.get(0).epsilon());
    }

    /** Element-wise mean, accumulated in double. */
    private static Tensor meanTensor(List<Tensor> ts) {
        double[] sum = new double[(int) ts.get(0).numElements()];
        for (Tensor t : ts) {
            float[] v = t.toFloats();
            for (int i = 0; i < v.length; i++) {
                sum[i] += v[i];
            }
        }
        float[] mean = new float[sum.length];
        for (int i = 0; i < sum.length; i++) {
            mean[i] = (float) (sum[i] / ts.size());
        }
        return Tensor.ofFloats(ts.get(0).name(), ts.get(0).shape(), mean);
    }
}
