package dev.nncj.train.distill;

import dev.nncj.onnx.Graph;
import dev.nncj.onnx.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The names of each layer's output hidden state and attention probabilities in a graph written by
 * {@link dev.nncj.transformer.EncoderEmitter}, found by the emitter's initializer names: layer i's
 * output is the residual Add after its {@code layer.i.ffn.down.bias} Add (post-norm: the LayerNorm with
 * {@code layer.i.ffn_norm.gamma} after it); its attention probabilities are the i-th Softmax (plain
 * attention only: fused attention computes them inside one kernel). The trainer reads these values
 * by name, so the graph needs no extra outputs and the saved student has none to strip.
 *
 * @param attention empty when the graph has no Softmax per layer
 */
record LayerValues(List<String> hidden, List<String> attention) {
    private static final Pattern DOWN_BIAS = Pattern.compile("layer\\.(\\d+)\\.ffn\\.down\\.bias");

    LayerValues {
        hidden = List.copyOf(hidden);
        attention = List.copyOf(attention);
    }

    int layers() {
        return hidden.size();
    }

    /**
     * The layer values of an emitted encoder graph, or empty when {@code g} was not written by the emitter.
     * Layers are taken in graph order, one per Add of a {@code layer.i.ffn.down.bias}: after cross-layer
     * sharing several layers read the same bias, and each of its Adds is one layer's.
     */
    static Optional<LayerValues> find(Graph g) {
        List<String> hidden = new ArrayList<>();
        for (Node biasAdd : g.nodes()) {
            Optional<String> layer = biasAdd.is("Add") ? biasAdd.inputs().stream().map(DOWN_BIAS::matcher)
                    .filter(m -> m.matches() && g.isInitializer(m.group())).map(m -> m.group(1)).findFirst() : Optional.empty();
            if (layer.isEmpty()) {
                continue;
            }
            Optional<Node> residual = only(g.consumers(biasAdd.output(0)), "Add");
            if (residual.isEmpty()) {
                return Optional.empty();
            }
            String h = residual.get().output(0);
            String gamma = "layer." + layer.get() + ".ffn_norm.gamma";
            Optional<Node> postNorm = g.consumers(h).stream()
                    .filter(n -> n.is("LayerNormalization") && n.inputs().size() > 1 && n.input(1).equals(gamma))
                    .findFirst();
            hidden.add(postNorm.map(n -> n.output(0)).orElse(h));
        }
        if (hidden.isEmpty()) {
            return Optional.empty();
        }
        List<String> softmax = g.nodes().stream().filter(n -> n.is("Softmax")).map(n -> n.output(0)).toList();
        return Optional.of(new LayerValues(hidden, softmax.size() == hidden.size() ? softmax : List.of()));
    }

    private static Optional<Node> only(List<Node> nodes, String opType) {
        return nodes.size() == 1 && nodes.get(0).is(opType) ? Optional.of(nodes.get(0)) : Optional.empty();
    }
}
