package dev.nncj.transformer;

import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.nncj.onnx.Graph;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.Tensor;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Finds the {@link TaskHead} of a graph: everything computed downstream of the last hidden state. */
final class TaskHeads {
    private TaskHeads() {}

    /**
     * The nodes reachable from {@code roots} (readers of {@code hidden}), plus the nodes they read
     * that do not depend on the encoder's stream (everything downstream of the embedding lookup
     * {@code embedded}): Constant nodes, the mask's Cast. A head that reads anything else of the
     * encoder could not survive re-emission.
     */
    static TaskHead collect(Graph graph, String hidden, List<Node> roots, String embedded, long opset) {
        Map<String, List<Node>> consumers = graph.consumerMap();
        Set<Node> members = downstream(roots, consumers);
        Set<String> produced = new LinkedHashSet<>();
        members.forEach(n -> produced.addAll(n.outputs()));
        Set<String> stream = new LinkedHashSet<>();
        downstream(consumers.getOrDefault(embedded, List.of()), consumers).forEach(n -> stream.addAll(n.outputs()));
        Map<String, Tensor> initializers = new LinkedHashMap<>();
        Deque<Node> reading = new ArrayDeque<>(members);
        while (!reading.isEmpty()) {
            Node n = reading.pop();
            for (String in : n.inputs()) {
                if (in.isEmpty() || in.equals(hidden) || produced.contains(in) || graph.isGraphInput(in)) {
                    continue;
                }
                if (graph.isInitializer(in)) {
                    initializers.put(in, graph.initializer(in).orElseThrow());
                    continue;
                }
                // e.g. the mask cast for pooling: computed from graph inputs and constants only, so copied along
                Node producer = graph.producer(in).filter(p -> !stream.contains(in))
                        .orElseThrow(() -> new PatternMismatch("task head: node '" + n.name() + "' reads '" + in
                                + "', which the encoder computes before its last hidden state"));
                members.add(producer);
                produced.addAll(producer.outputs());
                reading.push(producer);
            }
        }
        List<Node> ordered = graph.nodes().stream().filter(members::contains).toList();
        List<ValueInfoProto> outputs = graph.outputs().stream().filter(o -> produced.contains(o.getName())).toList();
        if (outputs.isEmpty()) {
            throw new PatternMismatch("after the last layer: " + roots.get(0).opType() + " '" + roots.get(0).name()
                    + "' reads the last hidden state, but neither it nor anything after it is a graph output");
        }
        TaskHead head = new TaskHead(hidden, ordered, List.copyOf(initializers.values()), outputs, opset);
        String why = head.whyNotAt(EncoderEmitter.OPSET);
        if (why != null) {
            throw new PatternMismatch("task head: " + why);
        }
        return head;
    }

    /** {@code roots} and every node that reads what they compute. */
    private static Set<Node> downstream(List<Node> roots, Map<String, List<Node>> consumers) {
        Set<Node> nodes = new LinkedHashSet<>();
        Deque<Node> work = new ArrayDeque<>(roots);
        while (!work.isEmpty()) {
            Node n = work.pop();
            if (nodes.add(n)) {
                n.outputs().forEach(out -> work.addAll(consumers.getOrDefault(out, List.of())));
            }
        }
        return nodes;
    }
}
