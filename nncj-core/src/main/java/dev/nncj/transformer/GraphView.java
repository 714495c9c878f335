package dev.nncj.transformer;

import dev.nncj.onnx.Graph;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.Tensor;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Read-only navigation of a graph for the matchers: producers and consumers indexed once, shape
 * bookkeeping (Shape nodes reading a value) ignored, constants read as floats. Every "expect"
 * helper throws a {@link PatternMismatch} naming what was expected and what was found.
 */
final class GraphView {
    private final Graph graph;
    private final Map<String, Node> producers = new HashMap<>();
    private final Map<String, List<Node>> consumers;
    private final Map<String, Set<String>> forms = new LinkedHashMap<>();

    GraphView(Graph graph) {
        this.graph = graph;
        for (Node n : graph.nodes()) {
            n.outputs().forEach(o -> producers.put(o, n));
        }
        this.consumers = graph.consumerMap();
    }

    Graph graph() {
        return graph;
    }

    /**
     * Records that the matchers recognized {@code part} (e.g. "attention", "norm") written in
     * {@code form} (e.g. "inferred head count"), so that a report can say how the graph was read.
     */
    void recognized(String part, String form) {
        forms.computeIfAbsent(part, k -> new LinkedHashSet<>()).add(form);
    }

    /** Every form recognized so far, by part, in the order first seen. */
    Map<String, List<String>> recognizedForms() {
        Map<String, List<String>> copy = new LinkedHashMap<>();
        forms.forEach((part, f) -> copy.put(part, List.copyOf(f)));
        return copy;
    }

    Optional<Node> producer(String value) {
        return Optional.ofNullable(producers.get(value));
    }

    /** Consumers that compute with the value, not those only reading its shape (Shape nodes). */
    List<Node> users(String value) {
        return consumers.getOrDefault(value, List.of()).stream().filter(n -> !n.is("Shape")).toList();
    }

    /** The single user of {@code value}, which must be {@code opType}. */
    Node onlyUser(String value, String opType, String pattern) {
        List<Node> users = users(value);
        if (users.size() != 1 || !users.get(0).is(opType)) {
            throw new PatternMismatch(pattern + ": expected one " + opType + " reading " + describe(value)
                    + ", found " + opsOf(users));
        }
        return users.get(0);
    }

    Optional<Tensor> constant(String value) {
        if (value.isEmpty()) {
            return Optional.empty();
        }
        return graph.constantValue(value);
    }

    /** A floating-point constant with one element (a scalar or a [1] tensor). */
    Optional<Float> scalar(String value) {
        return constant(value).filter(t -> t.numElements() == 1)
                .map(t -> t.type().isFloatingPoint() ? t.toFloats()[0] : (float) t.toLongs()[0]);
    }

    /** The operand of a binary node that is not {@code value}; the pattern fails if neither is. */
    String other(Node binary, String value, String pattern) {
        if (binary.input(0).equals(value)) {
            return binary.input(1);
        }
        if (binary.input(1).equals(value)) {
            return binary.input(0);
        }
        throw new PatternMismatch(pattern + ": node '" + binary.name() + "' does not read " + value);
    }

    /** True when {@code value} is computed (through any nodes) from the graph input {@code input}. */
    boolean dependsOn(String value, String input) {
        Deque<String> work = new ArrayDeque<>(List.of(value));
        Set<String> seen = new HashSet<>();
        while (!work.isEmpty()) {
            String v = work.pop();
            if (v.equals(input)) {
                return true;
            }
            if (seen.add(v)) {
                producer(v).ifPresent(p -> work.addAll(p.inputs()));
            }
        }
        return false;
    }

    /** "node 'name' (Op)" of the value's producer, or "graph input 'x'". */
    String describe(String value) {
        return producer(value).map(p -> "node '" + p.name() + "' (" + p.opType() + ")")
                .orElse("'" + value + "'");
    }

    static String opsOf(List<Node> nodes) {
        if (nodes.isEmpty()) {
            return "nothing";
        }
        return nodes.stream().map(n -> n.opType() + " '" + n.name() + "'").toList().toString();
    }
}
