package dev.nncj.onnx;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds graphs op by op with fresh value names, for emitters and for the tiny models of tests:
 *
 * <pre>{@code
 * GraphBuilder b = new GraphBuilder("tiny", 17);
 * String x = b.input("x", DataType.FLOAT, "batch", 4);
 * String w = b.initializer(Tensor.ofFloats("w", new long[] {4, 3}, weights));
 * b.output(b.op("Relu", b.op("MatMul", x, w)), "y", DataType.FLOAT, "batch", 3);
 * OnnxModel model = b.build();
 * }</pre>
 */
public final class GraphBuilder {
    private final Graph graph;
    private final NameScope names = new NameScope(java.util.Set.of());
    private final Map<String, Long> opsets = new LinkedHashMap<>();

    public GraphBuilder(String name, long opset) {
        this.graph = new Graph(name);
        opsets.put(OnnxModel.DEFAULT_DOMAIN, opset);
    }

    public GraphBuilder opset(String domain, long version) {
        opsets.put(domain, version);
        return this;
    }

    /** Adds a graph input; dims are numbers, symbolic names or null. Returns its name. */
    public String input(String name, DataType type, Object... dims) {
        graph.addInput(ValueInfos.tensor(claim(name), type, dims));
        return name;
    }

    public String initializer(Tensor tensor) {
        claim(tensor.name());
        graph.addInitializer(tensor);
        return tensor.name();
    }

    /** Adds a node with one fresh output and returns that output's name. */
    public String op(String opType, String... inputs) {
        return node(opType, inputs).output(0);
    }

    /** Adds a node with one fresh output; attributes set on the returned node. */
    public Node node(String opType, String... inputs) {
        return node("", opType, 1, inputs);
    }

    /** Adds a node of {@code domain} with {@code outputs} fresh outputs. */
    public Node node(String domain, String opType, int outputs, String... inputs) {
        String nodeName = names.fresh(opType.toLowerCase(java.util.Locale.ROOT));
        List<String> outs = new ArrayList<>();
        for (int i = 0; i < outputs; i++) {
            outs.add(names.fresh(nodeName + "_out" + (i == 0 ? "" : i)));
        }
        return graph.addNode(new Node(nodeName, opType, domain, Arrays.asList(inputs), outs));
    }

    /**
     * Declares {@code value} a graph output named {@code outputName}: the producing node's output is
     * renamed so the model's interface gets the chosen name.
     */
    public String output(String value, String outputName, DataType type, Object... dims) {
        if (!value.equals(outputName)) {
            claim(outputName);
            Node producer = graph.producer(value).orElseThrow(() ->
                    new IllegalArgumentException("no node produces " + value));
            producer.setOutput(producer.outputs().indexOf(value), outputName);
            graph.replaceAllUses(value, outputName);
        }
        graph.addOutput(ValueInfos.tensor(outputName, type, dims));
        return outputName;
    }

    public Graph graph() {
        return graph;
    }

    public OnnxModel build() {
        graph.sortTopologically();
        return new OnnxModel(graph, irVersionFor(opsets.get(OnnxModel.DEFAULT_DOMAIN)), opsets);
    }

    /** The IR version that goes with an opset (onnx/helper.py's table, capped at what ORT 1.23 reads). */
    static long irVersionFor(long opset) {
        if (opset <= 8) {
            return 4;
        }
        if (opset <= 10) {
            return 5;
        }
        if (opset == 11) {
            return 6;
        }
        if (opset <= 14) {
            return 7;
        }
        if (opset <= 18) {
            return 8;
        }
        if (opset <= 20) {
            return 9;
        }
        return 10;
    }

    private String claim(String name) {
        String got = names.fresh(name);
        if (!got.equals(name)) {
            throw new IllegalArgumentException("name " + name + " is already used in graph " + graph.name());
        }
        return name;
    }
}
