package dev.nncj.train.movement;

import dev.nncj.NncjException;
import dev.nncj.onnx.Graph;
import dev.nncj.onnx.NodeFilter;
import dev.nncj.onnx.Tensor;
import dev.nncj.transformer.AttentionSpec;
import dev.nncj.transformer.EncoderLayer;
import dev.nncj.transformer.EncoderSpec;
import dev.nncj.transformer.FeedForwardSpec;
import dev.nncj.transformer.Linear;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Which score tensors movement pruning learns for an emitted encoder, and which weights each
 * masks: per layer, the attention projections (Q, K, V, O) and the two FFN matrices that the
 * {@link NodeFilter} accepts (it sees the MatMul reading the weight), scored per weight, per FFN
 * neuron or per head as the {@link BlockStructure} says. A block needs every weight it spans: a
 * head whose Wo is excluded cannot be removed, so such a layer's attention stays dense (noted).
 *
 * @param tensors the score tensors, in layer order
 * @param notes weights left dense and why
 */
record MovementScores(List<ScoreTensor> tensors, List<String> notes) {
    MovementScores {
        tensors = List.copyOf(tensors);
        notes = List.copyOf(notes);
    }

    /** What a score element stands for. */
    enum Unit { WEIGHT, NEURON, HEAD }

    /** A use of a score tensor: weight {@code weight} masked along {@code axis} in runs of {@code block} (axis -1: same shape). */
    record MaskedUse(String weight, int axis, int block) {}

    /**
     * One score tensor (an initializer named {@code name}, starting at the units' magnitudes:
     * {@link #magnitudes}), its element count per unit of {@code layer}, and the weights it masks.
     */
    record ScoreTensor(String name, long[] shape, long unitWeights, Unit unit, int layer, List<MaskedUse> uses) {
        ScoreTensor {
            uses = List.copyOf(uses);
        }

        long units() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }

        String maskName() {
            return name + ".mask";
        }
    }

    static final String SUFFIX = ".movement_scores";

    /**
     * Initial scores: each unit's weight magnitude (|w| for a weight, the L2 norm of its rows or
     * columns over every use for a neuron or head), divided by the tensor's mean, so the scores start
     * as magnitude pruning would rank the units and movement moves them from there. Sanh et al. start
     * from zeros, but they prune while fine-tuning a pretrained model, whose task gradients are large
     * from the first step; NNCJ's input is an already fine-tuned classifier, whose gradients are close
     * to zero at first, so zero scores leave the first masks to noise (measured: a 50% run from zero
     * scores fell to chance accuracy and did not recover).
     */
    static float[] magnitudes(Graph graph, ScoreTensor t) {
        double[] sums = new double[Math.toIntExact(t.units())];
        for (MaskedUse use : t.uses()) {
            Tensor w = graph.constantValue(use.weight()).orElseThrow(); // planned from constant weights only
            float[] v = w.toFloats();
            int cols = Math.toIntExact(w.dim(1));
            for (int i = 0; i < v.length; i++) {
                int unit = use.axis() < 0 ? i : use.axis() == 0 ? (i / cols) / use.block() : (i % cols) / use.block();
                sums[unit] += t.unit() == Unit.WEIGHT ? Math.abs(v[i]) : (double) v[i] * v[i];
            }
        }
        double mean = 0;
        for (int u = 0; u < sums.length; u++) {
            sums[u] = t.unit() == Unit.WEIGHT ? sums[u] : Math.sqrt(sums[u]);
            mean += sums[u] / sums.length;
        }
        float[] scores = new float[sums.length];
        for (int u = 0; u < sums.length; u++) {
            scores[u] = mean == 0 ? 0f : (float) (sums[u] / mean);
        }
        return scores;
    }

    /** The scores of {@code spec}, the lifted form of {@code graph}. */
    static MovementScores plan(Graph graph, EncoderSpec spec, BlockStructure block, NodeFilter filter, Path file) {
        refuseSharedWeights(spec, file);
        List<ScoreTensor> tensors = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (int i = 0; i < spec.layers().size(); i++) {
            int index = i;
            EncoderLayer layer = spec.layers().get(i);
            AttentionSpec a = layer.attention();
            List<Linear> attention = List.of(a.query(), a.key(), a.value(), a.output());
            FeedForwardSpec f = layer.ffn();
            if (block == BlockStructure.NONE) {
                Stream.concat(attention.stream(), Stream.of(f.up(), f.down()))
                        .filter(l -> selected(graph, l, filter))
                        .forEach(l -> tensors.add(weightScores(l, index)));
                continue;
            }
            if (block.scoresHeads()) {
                if (attention.stream().allMatch(l -> selected(graph, l, filter))) {
                    tensors.add(headScores(a, i));
                } else if (attention.stream().anyMatch(l -> selected(graph, l, filter))) {
                    notes.add("layer " + i + ": attention kept dense: head blocks need Q, K, V and the output projection all selected");
                }
            }
            if (block.scoresNeurons()) {
                if (selected(graph, f.up(), filter) && selected(graph, f.down(), filter)) {
                    tensors.add(neuronScores(f, i));
                } else if (selected(graph, f.up(), filter) || selected(graph, f.down(), filter)) {
                    notes.add("layer " + i + ": FFN kept dense: neuron blocks need both FFN matrices selected");
                }
            }
        }
        if (tensors.isEmpty()) {
            throw NncjException.inFile(file, "has no encoder weight to movement-prune: ", dev.nncj.OptionName.of("include"), "/", dev.nncj.OptionName.of("exclude"), " select none"
                    + (block == BlockStructure.NONE ? "" : " of the complete " + block.cliName() + " blocks"));
        }
        return new MovementScores(tensors, notes);
    }

    /** Elements of every encoder-layer weight matrix (Q, K, V, O, W1, W2), selected or not: what "remaining" is a fraction of. */
    static long encoderWeights(EncoderSpec spec) {
        return matrices(spec).mapToLong(l -> l.weight().numElements()).sum();
    }

    /** Every layer's Q, K, V, O, W1 and W2, in layer order. */
    static Stream<Linear> matrices(EncoderSpec spec) {
        return spec.layers().stream().flatMap(l -> Stream.of(l.attention().query(), l.attention().key(),
                l.attention().value(), l.attention().output(), l.ffn().up(), l.ffn().down()));
    }

    /** Weights the scores govern. */
    long scoredWeights() {
        return tensors.stream().mapToLong(t -> t.units() * t.unitWeights()).sum();
    }

    long[] unitWeights() {
        return tensors.stream().mapToLong(ScoreTensor::unitWeights).toArray();
    }

    private static boolean selected(Graph graph, Linear l, NodeFilter filter) {
        return graph.consumers(l.weight().name()).stream().anyMatch(n -> n.is("MatMul") && filter.accepts(n));
    }

    private static ScoreTensor weightScores(Linear l, int layer) {
        String w = l.weight().name();
        return new ScoreTensor(w + SUFFIX, l.weight().shape(), 1, Unit.WEIGHT, layer, List.of(new MaskedUse(w, -1, 1)));
    }

    /** Neuron j: column j of W1 (H weights) and row j of W2 (H weights). */
    private static ScoreTensor neuronScores(FeedForwardSpec f, int layer) {
        String up = f.up().weight().name();
        return new ScoreTensor(up + SUFFIX, new long[] {f.width()}, (long) f.up().in() + f.down().out(), Unit.NEURON, layer,
                List.of(new MaskedUse(up, 1, 1), new MaskedUse(f.down().weight().name(), 0, 1)));
    }

    /** Head j: d columns of Wq, Wk, Wv (H weights each) and d rows of Wo (H weights each). */
    private static ScoreTensor headScores(AttentionSpec a, int layer) {
        int d = a.headSize();
        long perHead = (long) d * (a.query().in() + a.key().in() + a.value().in() + a.output().out());
        return new ScoreTensor(a.query().weight().name() + SUFFIX, new long[] {a.heads()}, perHead, Unit.HEAD, layer,
                List.of(new MaskedUse(a.query().weight().name(), 1, d), new MaskedUse(a.key().weight().name(), 1, d),
                        new MaskedUse(a.value().weight().name(), 1, d), new MaskedUse(a.output().weight().name(), 0, d)));
    }

    /** Cross-layer shared weights would get one mask per layer for one tensor: refused rather than guessed. */
    private static void refuseSharedWeights(EncoderSpec spec, Path file) {
        Set<String> seen = new HashSet<>();
        matrices(spec).map(l -> l.weight().name()).filter(name -> !seen.add(name)).findFirst().ifPresent(name -> {
            throw NncjException.inFile(file, "shares weight " + name
                    + " between layers (cross-layer sharing): movement pruning needs one mask per weight");
        });
    }
}
