package dev.nncj.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.SparseTensorProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * A mutable ONNX graph: nodes in order, initializers as {@link Tensor}s, and the graph's inputs,
 * outputs and value_info. Editing helpers keep the graph consistent: consumers can be rewired,
 * dead nodes and unused initializers removed, nodes sorted topologically, and fresh names made
 * that clash with nothing in the graph.
 *
 * <p>Lookups ({@link #producer}, {@link #consumers}) scan the node list; graphs of a few thousand
 * nodes make that cheap, and it keeps the graph free of an index to invalidate. Passes that look
 * up many values take a {@link #consumerMap()} once.
 */
public final class Graph {
    private String name;
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, Tensor> initializers = new LinkedHashMap<>();
    private final List<SparseTensorProto> sparseInitializers = new ArrayList<>();
    private final List<ValueInfoProto> inputs = new ArrayList<>();
    private final List<ValueInfoProto> outputs = new ArrayList<>();
    private final Map<String, ValueInfoProto> valueInfo = new LinkedHashMap<>();
    private GraphProto rest = GraphProto.getDefaultInstance(); // doc string, annotations: kept as read

    public Graph(String name) {
        this.name = name;
    }

    /**
     * Decodes a model's graph after {@link GraphProtoCheck} has refused what ONNX forbids; every
     * tensor, node attributes included, is checked as it is decoded.
     */
    static Graph fromProto(GraphProto p, ExternalData source) {
        GraphProtoCheck.check(p, source.modelFile());
        Graph g = new Graph(p.getName());
        for (NodeProto n : p.getNodeList()) {
            g.nodes.add(withCheckedTensors(Node.fromProto(n), source));
        }
        for (TensorProto t : p.getInitializerList()) {
            g.initializers.put(t.getName(), TensorProtos.fromProto(t, source));
        }
        for (SparseTensorProto sparse : p.getSparseInitializerList()) {
            // kept as protos (passes carry them through), decoded once so that a malformed one is refused here
            TensorProtos.fromProto(sparse.getValues(), source);
            TensorProtos.fromProto(sparse.getIndices(), source);
            g.sparseInitializers.add(sparse);
        }
        g.inputs.addAll(p.getInputList());
        g.outputs.addAll(p.getOutputList());
        for (ValueInfoProto v : p.getValueInfoList()) {
            g.valueInfo.put(v.getName(), v);
        }
        g.rest = p.toBuilder().clearNode().clearInitializer().clearSparseInitializer().clearInput()
                .clearOutput().clearValueInfo().clearName().build();
        return g;
    }

    /**
     * Decodes each tensor attribute once, so a malformed one is refused at load naming the file; one
     * kept in an external file is inlined, as passes read attributes without the model's folder.
     */
    private static Node withCheckedTensors(Node node, ExternalData source) {
        for (AttributeProto a : List.copyOf(node.attributes().values())) {
            if (a.hasT()) {
                Tensor value = TensorProtos.fromProto(a.getT(), source);
                if (a.getT().getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
                    node.set(a.getName(), value);
                }
            }
        }
        return node;
    }

    /** The graph as protobuf; {@code encode} turns each initializer into its TensorProto. */
    GraphProto toProto(Function<Tensor, TensorProto> encode) {
        GraphProto.Builder b = rest.toBuilder().setName(name);
        for (Node n : nodes) {
            b.addNode(n.toProto());
        }
        for (Tensor t : initializers.values()) {
            b.addInitializer(encode.apply(t));
        }
        b.addAllSparseInitializer(sparseInitializers);
        b.addAllInput(inputs);
        b.addAllOutput(outputs);
        b.addAllValueInfo(valueInfo.values());
        return b.build();
    }

    public String name() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    // ---- nodes ----

    public List<Node> nodes() {
        return Collections.unmodifiableList(nodes);
    }

    public Node addNode(Node node) {
        nodes.add(node);
        return node;
    }

    /** Inserts {@code node} just before {@code anchor} in the node order. */
    public Node insertBefore(Node anchor, Node node) {
        int i = indexOf(anchor);
        nodes.add(i, node);
        return node;
    }

    public void removeNode(Node node) {
        nodes.remove(indexOf(node));
    }

    /** Replaces {@code node} by {@code replacements} at the same place in the order. */
    public void replaceNode(Node node, List<Node> replacements) {
        int i = indexOf(node);
        nodes.remove(i);
        nodes.addAll(i, replacements);
    }

    public Optional<Node> node(String nodeName) {
        return nodes.stream().filter(n -> n.name().equals(nodeName)).findFirst();
    }

    /** The node producing {@code value}, empty for graph inputs, initializers and unknown names. */
    public Optional<Node> producer(String value) {
        for (Node n : nodes) {
            if (n.outputs().contains(value)) {
                return Optional.of(n);
            }
        }
        return Optional.empty();
    }

    /** The nodes reading {@code value}, in graph order (a node reading it twice appears once). */
    public List<Node> consumers(String value) {
        List<Node> out = new ArrayList<>();
        for (Node n : nodes) {
            if (n.inputs().contains(value)) {
                out.add(n);
            }
        }
        return out;
    }

    /** Value name to the nodes reading it, for passes that look up many values. */
    public Map<String, List<Node>> consumerMap() {
        Map<String, List<Node>> map = new HashMap<>();
        for (Node n : nodes) {
            for (String in : new HashSet<>(n.inputs())) {
                map.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
            }
        }
        return map;
    }

    /**
     * Makes every node that reads {@code from} read {@code to} instead. Graph outputs keep their
     * names (they are the model's interface): to replace a graph output, rename the new producer's
     * output instead.
     */
    public int replaceAllUses(String from, String to) {
        int count = 0;
        for (Node n : nodes) {
            count += n.replaceInput(from, to);
        }
        return count;
    }

    // ---- initializers ----

    public Map<String, Tensor> initializers() {
        return Collections.unmodifiableMap(initializers);
    }

    public Optional<Tensor> initializer(String tensorName) {
        return Optional.ofNullable(initializers.get(tensorName));
    }

    public boolean isInitializer(String value) {
        return initializers.containsKey(value);
    }

    public void addInitializer(Tensor tensor) {
        if (initializers.containsKey(tensor.name())) {
            throw new IllegalArgumentException("initializer " + tensor.name() + " already exists");
        }
        initializers.put(tensor.name(), tensor);
    }

    /** Replaces the initializer of the same name, which must exist. */
    public void replaceInitializer(Tensor tensor) {
        if (!initializers.containsKey(tensor.name())) {
            throw new IllegalArgumentException("no initializer named " + tensor.name());
        }
        initializers.put(tensor.name(), tensor);
    }

    public void removeInitializer(String tensorName) {
        initializers.remove(tensorName);
        // models of IR version < 4 also list initializers as graph inputs
        inputs.removeIf(v -> v.getName().equals(tensorName));
        valueInfo.remove(tensorName);
    }

    public List<SparseTensorProto> sparseInitializers() {
        return Collections.unmodifiableList(sparseInitializers);
    }

    public void addSparseInitializer(SparseTensorProto sparse) {
        sparseInitializers.add(sparse);
    }

    /**
     * The value of {@code value} when it is a constant: an initializer or the output of a Constant
     * node (its {@code value} attribute). Empty for anything computed at run time.
     */
    public Optional<Tensor> constantValue(String value) {
        Tensor init = initializers.get(value);
        if (init != null) {
            return Optional.of(init);
        }
        return producer(value).filter(n -> n.is("Constant")).flatMap(n -> n.tensorAttribute("value"));
    }

    // ---- interface and value info ----

    /** Graph inputs that are real inputs, not initializers listed as inputs (IR < 4). */
    public List<ValueInfoProto> inputs() {
        return inputs.stream().filter(v -> !initializers.containsKey(v.getName())).toList();
    }

    public List<ValueInfoProto> outputs() {
        return Collections.unmodifiableList(outputs);
    }

    public void addInput(ValueInfoProto input) {
        inputs.add(input);
    }

    public void addOutput(ValueInfoProto output) {
        outputs.add(output);
    }

    public void setOutputs(List<ValueInfoProto> newOutputs) {
        outputs.clear();
        outputs.addAll(newOutputs);
    }

    public boolean isGraphOutput(String value) {
        return outputs.stream().anyMatch(v -> v.getName().equals(value));
    }

    public boolean isGraphInput(String value) {
        return inputs.stream().anyMatch(v -> v.getName().equals(value));
    }

    public Map<String, ValueInfoProto> valueInfo() {
        return Collections.unmodifiableMap(valueInfo);
    }

    public void putValueInfo(ValueInfoProto info) {
        valueInfo.put(info.getName(), info);
    }

    public void removeValueInfo(String value) {
        valueInfo.remove(value);
    }

    // ---- whole-graph edits ----

    /**
     * Orders nodes so that each comes after the producers of its inputs (Kahn's algorithm, stable:
     * independent nodes keep their relative order).
     *
     * @throws IllegalStateException naming nodes on a cycle
     */
    public void sortTopologically() {
        Map<String, Node> producers = new HashMap<>();
        for (Node n : nodes) {
            for (String out : n.outputs()) {
                if (!out.isEmpty()) {
                    producers.put(out, n);
                }
            }
        }
        Map<Node, Integer> pending = new HashMap<>();
        Map<Node, List<Node>> dependents = new HashMap<>();
        for (Node n : nodes) {
            Set<Node> deps = new HashSet<>();
            for (String in : valuesRead(n)) {
                Node p = producers.get(in);
                if (p != null && p != n) {
                    deps.add(p);
                }
            }
            pending.put(n, deps.size());
            for (Node d : deps) {
                dependents.computeIfAbsent(d, k -> new ArrayList<>()).add(n);
            }
        }
        Map<Node, Integer> position = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            position.put(nodes.get(i), i);
        }
        java.util.PriorityQueue<Node> ready = new java.util.PriorityQueue<>(
                java.util.Comparator.comparingInt(position::get));
        for (Node n : nodes) {
            if (pending.get(n) == 0) {
                ready.add(n);
            }
        }
        List<Node> order = new ArrayList<>(nodes.size());
        while (!ready.isEmpty()) {
            Node n = ready.poll();
            order.add(n);
            for (Node d : dependents.getOrDefault(n, List.of())) {
                if (pending.merge(d, -1, Integer::sum) == 0) {
                    ready.add(d);
                }
            }
        }
        if (order.size() != nodes.size()) {
            List<String> stuck = nodes.stream().filter(n -> pending.get(n) > 0).limit(5).map(Node::name).toList();
            throw new IllegalStateException("graph " + name + " has a cycle through nodes " + stuck);
        }
        nodes.clear();
        nodes.addAll(order);
    }

    /** Removes nodes none of whose outputs reach a graph output; returns how many were removed. */
    public int removeDeadNodes() {
        Set<String> live = new HashSet<>();
        outputs.forEach(o -> live.add(o.getName()));
        Map<String, Node> producers = new HashMap<>();
        for (Node n : nodes) {
            n.outputs().forEach(o -> producers.put(o, n));
        }
        Set<Node> kept = new HashSet<>();
        Deque<String> work = new ArrayDeque<>(live);
        while (!work.isEmpty()) {
            Node p = producers.get(work.pop());
            if (p != null && kept.add(p)) {
                work.addAll(valuesRead(p));
            }
        }
        int before = nodes.size();
        nodes.removeIf(n -> !kept.contains(n));
        return before - nodes.size();
    }

    /** Removes initializers (dense and sparse) no node (subgraphs included) reads and no output names. */
    public int removeUnusedInitializers() {
        Set<String> used = new HashSet<>();
        for (Node n : nodes) {
            used.addAll(valuesRead(n));
        }
        outputs.forEach(o -> used.add(o.getName()));
        List<String> unused = initializers.keySet().stream().filter(k -> !used.contains(k)).toList();
        unused.forEach(this::removeInitializer);
        int sparseBefore = sparseInitializers.size();
        sparseInitializers.removeIf(s -> !used.contains(s.getValues().getName()));
        return unused.size() + sparseBefore - sparseInitializers.size();
    }

    /** Every name used in the graph: values, nodes, initializers. */
    public Set<String> allNames() {
        Set<String> names = new HashSet<>(initializers.keySet());
        sparseInitializers.forEach(s -> names.add(s.getValues().getName()));
        inputs.forEach(v -> names.add(v.getName()));
        outputs.forEach(v -> names.add(v.getName()));
        names.addAll(valueInfo.keySet());
        for (Node n : nodes) {
            names.add(n.name());
            names.addAll(n.inputs());
            names.addAll(n.outputs());
        }
        return names;
    }

    /** A name source that avoids every name currently in the graph. */
    public NameScope nameScope() {
        return new NameScope(allNames());
    }

    /** Number of elements in floating-point initializers: the model's parameter count. */
    public long parameterCount() {
        long dense = initializers.values().stream().filter(t -> t.type().isFloatingPoint())
                .mapToLong(Tensor::numElements).sum();
        // a sparse initializer still stands for its full dense shape: unstructured sparsity zeroes
        // parameters, it does not remove them
        long sparse = sparseInitializers.stream()
                .filter(st -> DataType.fromCode(st.getValues().getDataType()).isFloatingPoint())
                .mapToLong(st -> st.getDimsList().stream().mapToLong(Long::longValue).reduce(1, Math::multiplyExact))
                .sum();
        return dense + sparse;
    }

    /**
     * Number of elements in 8- and 4-bit integer initializers: the weights of a quantized model,
     * which {@link #parameterCount()} (floating point only) does not see.
     */
    public long quantizedParameterCount() {
        return initializers.values().stream()
                .filter(t -> t.type().isInteger() && t.type().bits() <= 8)
                .mapToLong(Tensor::numElements).sum();
    }

    /**
     * The values a node reads: its inputs plus names its subgraphs (If/Loop/Scan bodies) take from
     * the enclosing scope, so liveness and initializer use see through control flow.
     */
    static Collection<String> valuesRead(Node n) {
        if (n.attributes().values().stream().noneMatch(a -> a.hasG() || a.getGraphsCount() > 0)) {
            return n.inputs();
        }
        Set<String> read = new HashSet<>(n.inputs());
        for (AttributeProto a : n.attributes().values()) {
            if (a.hasG()) {
                collectOuterReads(a.getG(), read);
            }
            for (GraphProto g : a.getGraphsList()) {
                collectOuterReads(g, read);
            }
        }
        return read;
    }

    private static void collectOuterReads(GraphProto g, Set<String> read) {
        for (NodeProto n : g.getNodeList()) {
            read.addAll(n.getInputList());
            for (AttributeProto a : n.getAttributeList()) {
                if (a.hasG()) {
                    collectOuterReads(a.getG(), read);
                }
                for (GraphProto sub : a.getGraphsList()) {
                    collectOuterReads(sub, read);
                }
            }
        }
    }

    private int indexOf(Node node) {
        for (int i = 0; i < nodes.size(); i++) {
            if (nodes.get(i) == node) {
                return i;
            }
        }
        throw new IllegalArgumentException("node " + node.name() + " is not in graph " + name);
    }
}
