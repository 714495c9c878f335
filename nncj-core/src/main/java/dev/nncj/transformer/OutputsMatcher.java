package dev.nncj.transformer;

import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.nncj.onnx.Graph;
import dev.nncj.onnx.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Matches what an encoder computes from its last hidden state: optionally BERT's pooler (tanh of
 * the first token through a dense layer) and a task head (anything else reading the hidden state,
 * such as a classifier, carried verbatim). Every graph output must be the hidden state, the pooler
 * or computed by the head, so nothing the graph computes is silently dropped by re-emission.
 */
final class OutputsMatcher {
    record Matched(Optional<Pooler> pooler, Optional<String> poolerOutput, Optional<TaskHead> head) {}

    private final GraphView g;

    OutputsMatcher(GraphView g) {
        this.g = g;
    }

    /**
     * @param hidden    the last hidden state
     * @param wordIndex the word-embedding Gather's output, where a head's own reading of the
     *                  embeddings (if any) starts
     */
    Matched match(String hidden, String wordIndex, long opset) {
        Graph graph = g.graph();
        Optional<Pooler> pooler = Optional.empty();
        Optional<String> poolerOutput = Optional.empty();
        List<Node> headRoots = new ArrayList<>();
        for (Node u : graph.consumers(hidden)) {
            Optional<PoolerMatch> pm = u.is("Gather") ? tryPooler(g, u, hidden) : Optional.empty();
            if (pm.isPresent() && pooler.isEmpty()) {
                pooler = Optional.of(pm.get().pooler);
                poolerOutput = Optional.of(pm.get().output);
            } else {
                headRoots.add(u);
            }
        }
        Optional<TaskHead> head = headRoots.isEmpty() ? Optional.empty()
                : Optional.of(TaskHeads.collect(graph, hidden, headRoots, wordIndex, opset));
        for (ValueInfoProto out : graph.outputs()) {
            String name = out.getName();
            boolean fromHead = head.isPresent() && head.get().outputs().stream().anyMatch(o -> o.getName().equals(name));
            if (!name.equals(hidden) && !poolerOutput.equals(Optional.of(name)) && !fromHead) {
                throw new PatternMismatch("graph output '" + name + "' is neither the last hidden state ("
                        + g.describe(hidden) + "), a pooler output nor computed from the last hidden state");
            }
        }
        if (!graph.isGraphOutput(hidden) && head.isEmpty()) {
            throw new PatternMismatch("the last hidden state " + g.describe(hidden) + " is not a graph output");
        }
        return new Matched(pooler, poolerOutput, head);
    }

    private record PoolerMatch(Pooler pooler, String output) {}

    /** The pooler starting at {@code first}, or empty when it is not one (then it belongs to a task head). */
    private static Optional<PoolerMatch> tryPooler(GraphView g, Node first, String h) {
        try {
            return Optional.of(pooler(g, first, h));
        } catch (PatternMismatch e) {
            return Optional.empty();
        }
    }

    /** BERT pooler: Gather(h, 0, axis 1), dense, Tanh, ending at a graph output. */
    private static PoolerMatch pooler(GraphView g, Node first, String h) {
        String where = "pooler";
        boolean cls = first.is("Gather") && first.intAttribute("axis", 0) == 1
                && g.constant(first.input(1)).filter(t -> t.numElements() == 1 && t.toLongs()[0] == 0).isPresent();
        if (!cls) {
            throw new PatternMismatch("after the last layer: expected the graph output or a pooler"
                    + " (Gather of token 0), found " + first.opType() + " '" + first.name() + "'");
        }
        List<Node> users = g.users(first.output(0));
        Node dense = users.size() == 1 ? users.get(0) : null;
        Linear linear;
        String tanhOut;
        if (dense != null && LinearMatcher.isGemm(dense)) {
            // the dynamo exporter and ORT write the 2-D dense layer as Gemm (ORT's FusedGemm with activation Tanh also fuses the Tanh)
            linear = new LinearMatcher(g).match(dense, where).linear();
            boolean fusedTanh = dense.stringAttribute("activation", "").equals("Tanh");
            tanhOut = fusedTanh ? dense.output(0) : g.onlyUser(dense.output(0), "Tanh", where).output(0);
        } else {
            Node mm = g.onlyUser(first.output(0), "MatMul", where);
            LinearMatcher.Matched m = new LinearMatcher(g).match(mm, where);
            linear = m.linear();
            tanhOut = g.onlyUser(m.output(), "Tanh", where).output(0);
        }
        if (!g.graph().isGraphOutput(tanhOut)) {
            throw new PatternMismatch("pooler: the Tanh output '" + tanhOut + "' is not a graph output");
        }
        return new PoolerMatch(new Pooler(linear), tanhOut);
    }
}
