package dev.nncj.quantize;

import dev.nncj.onnx.DataType;
import dev.nncj.onnx.Domains;
import dev.nncj.onnx.Graph;
import dev.nncj.onnx.NameScope;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A MatMul x·W (or Gemm with a constant B) with a constant float W, rewritten as ONNX Runtime's
 * integer product with the dequantization and the bias in the same kernel:
 * <pre>
 * y = MatMulIntegerToFloat(xq, Wq, sx, sW, zx, zW[, b])  -- = (xq - zx)(Wq - zW) · sx·sW + b
 * </pre>
 * The caller quantizes x (at run time with DynamicQuantizeLinear, or with a calibrated
 * QuantizeLinear) and passes its names; W is stored here as uint8 ({@link QuantizedMatrix}). The
 * bias is Gemm's C or the constant [N] vector of an Add that is the MatMul's only reader, which is
 * then removed: folding it saves one pass over each [tokens, N] output, which ORT's own fusions do
 * not do for a MatMul it builds from Q/DQ pairs.
 */
final class IntegerMatMul {
    /** A quantized tensor's three names: uint8 values, scale and zero point. */
    record QuantizedNames(String values, String scale, String zeroPoint) {}

    private final Node node;
    private String gemmBias;

    IntegerMatMul(Node node) {
        this.node = node;
    }

    Node node() {
        return node;
    }

    /** Why this node cannot be rewritten, or empty. */
    Optional<String> check(Graph graph) {
        Optional<Tensor> w = graph.constantValue(node.input(1));
        if (w.isEmpty()) {
            return Optional.of("both inputs are computed at run time (e.g. attention scores), no constant weight");
        }
        if (w.get().type() != DataType.FLOAT) {
            return Optional.of("weight is " + w.get().type().displayName() + ", not float");
        }
        if (w.get().rank() != 2) {
            return Optional.of("weight has rank " + w.get().rank() + "; MatMulIntegerToFloat needs a matrix");
        }
        if (graph.constantValue(node.input(0)).isPresent()) {
            return Optional.of("its input is a constant (ORT folds it)");
        }
        if (node.is("Gemm")) {
            if (node.intAttribute("transA", 0) != 0 || node.floatAttribute("alpha", 1f) != 1f
                    || node.floatAttribute("beta", 1f) != 1f) {
                return Optional.of("Gemm with transA, alpha or beta other than 0, 1, 1");
            }
            if (node.inputs().size() > 2 && !node.input(2).isEmpty()) {
                long n = node.intAttribute("transB", 0) != 0 ? w.get().dim(0) : w.get().dim(1);
                Optional<Tensor> c = graph.constantValue(node.input(2));
                if (c.isEmpty() || c.get().type() != DataType.FLOAT || c.get().numElements() != n) {
                    return Optional.of("Gemm bias C is not a constant float vector of " + n);
                }
                gemmBias = node.input(2);
            }
        }
        return Optional.empty();
    }

    /** The same key for every node that reads the same stored weight the same way (stored once). */
    String weightKey() {
        return node.input(1) + (node.is("Gemm") && node.intAttribute("transB", 0) != 0 ? "#T" : "");
    }

    /** Stores the weight as uint8 [K, N] with its scales and zero points; returns their names. */
    QuantizedNames addWeights(Graph graph, NameScope names, boolean perChannel, boolean symmetric) {
        Tensor w = graph.constantValue(node.input(1)).orElseThrow();
        if (node.is("Gemm") && node.intAttribute("transB", 0) != 0) {
            w = QuantizedMatrix.transposed(w);
        }
        QuantizedMatrix q = QuantizedMatrix.of(w, perChannel, symmetric);
        String base = node.input(1).replaceAll("[^A-Za-z0-9_./:-]", "_");
        QuantizedNames out = new QuantizedNames(names.fresh(base + "_quantized"), names.fresh(base + "_scale"),
                names.fresh(base + "_zero_point"));
        graph.addInitializer(q.valuesTensor(out.values));
        graph.addInitializer(q.scaleTensor(out.scale));
        graph.addInitializer(q.zeroPointTensor(out.zeroPoint));
        return out;
    }

    /**
     * MatMulIntegerToFloat in this node's place, to be put in the graph by the caller; a folded bias
     * Add is removed from the graph here and its output produced by the returned node.
     * {@code consumers} is the graph's consumer map as read before any rewrite.
     */
    Node rewrite(Graph graph, NameScope names, Map<String, List<Node>> consumers, QuantizedNames x, QuantizedNames w) {
        List<String> inputs = new ArrayList<>(List.of(x.values, w.values, x.scale, w.scale, x.zeroPoint, w.zeroPoint));
        String output = node.output(0);
        Optional<Node> biasAdd = foldableBias(graph, consumers);
        if (biasAdd.isPresent()) {
            Node add = biasAdd.get();
            inputs.add(add.input(0).equals(output) ? add.input(1) : add.input(0));
            output = add.output(0);
            graph.removeNode(add);
        } else if (gemmBias != null) {
            inputs.add(biasVector(graph, names));
        }
        return new Node(node.name(), "MatMulIntegerToFloat", Domains.MICROSOFT, inputs, List.of(output));
    }

    /** Gemm's C as the [N] vector MatMulIntegerToFloat takes ([1, N] and [N] are both legal C). */
    private String biasVector(Graph graph, NameScope names) {
        Tensor c = graph.constantValue(gemmBias).orElseThrow();
        if (c.rank() == 1 && graph.isInitializer(gemmBias)) {
            return gemmBias;
        }
        String name = names.fresh(gemmBias + "_vector");
        graph.addInitializer(c.reshaped(c.numElements()).withName(name));
        return name;
    }

    /** The Add of a constant [N] bias that is this MatMul's only reader, when it can be folded in. */
    private Optional<Node> foldableBias(Graph graph, Map<String, List<Node>> consumers) {
        if (node.is("Gemm") || graph.isGraphOutput(node.output(0))) {
            return Optional.empty();
        }
        List<Node> readers = consumers.getOrDefault(node.output(0), List.of());
        if (readers.size() != 1 || !readers.get(0).is("Add")) {
            return Optional.empty();
        }
        Node add = readers.get(0);
        String other = add.input(0).equals(node.output(0)) ? add.input(1) : add.input(0);
        long n = graph.constantValue(node.input(1)).orElseThrow().dim(1);
        Optional<Tensor> bias = graph.initializer(other);
        if (other.equals(node.output(0)) || bias.isEmpty() || bias.get().type() != DataType.FLOAT
                || bias.get().rank() != 1 || bias.get().dim(0) != n) {
            return Optional.empty();
        }
        return Optional.of(add);
    }
}
