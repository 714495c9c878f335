package dev.nncj.quantize;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.Graph;
import dev.nncj.onnx.NameScope;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Dynamic int8: weights quantized once here, activations quantized by ONNX Runtime at run time.
 * Each MatMul x·W (and Gemm with a constant B) with a constant float W becomes
 * <pre>
 * (xq, sx, zx) = DynamicQuantizeLinear(x)             -- one per activation, shared by its MatMuls
 * y = MatMulIntegerToFloat(xq, Wq, sx, sW, zx, zW, b)  -- = (xq - zx)(Wq - zW) · sx·sW + b
 * </pre>
 * with the following Add of a constant [N] bias folded into MatMulIntegerToFloat's bias input.
 *
 * <p>Why this form (measured on AMD EPYC AVX2 without VNNI, ORT 1.23.2, see bench/results): the
 * integer GEMM of MatMulIntegerToFloat and DynamicQuantizeMatMul run at the same speed; ORT itself
 * fuses a DynamicQuantizeLinear that has one consumer into DynamicQuantizeMatMul, so emitting the
 * shared form costs nothing and saves one activation pass per extra consumer (Q, K and V read the
 * same hidden state); folding the bias saves one pass over each [tokens, N] output. MatMulNBits with
 * 8-bit weights and int8 compute (accuracy_level 4) was 2.4x slower than either for a 128×384×1536
 * product, so it is not used here.
 *
 * <p>Embedding lookups are quantized by {@link EmbeddingQuantizer} unless the options say not to.
 * MatMuls whose both inputs are computed (attention's Q·Kᵀ and P·V) stay float: ORT has no dynamic
 * kernel with a run-time B that beats its float GEMM at these sizes, and they are under 6% of a
 * BERT layer's multiply-adds.
 */
public final class DynamicInt8Quantizer implements ModelQuantizer {
    static final String MS_DOMAIN = "com.microsoft";

    @Override
    public QuantizationResult quantize(OnnxModel model, QuantizeOptions options, ProgressListener progress) {
        if (model.opset() < 11) {
            throw new NncjException(model.source().map(Object::toString).orElse("model")
                    + ": uses ONNX opset " + model.opset() + "; dynamic-int8 needs DynamicQuantizeLinear (opset 11)");
        }
        Graph graph = model.graph();
        NameScope names = graph.nameScope();
        Map<String, List<Node>> consumers = graph.consumerMap();
        List<String> quantized = new ArrayList<>();
        Map<String, String> keptFloat = new LinkedHashMap<>();
        Map<String, List<Candidate>> byActivation = new LinkedHashMap<>();
        Map<String, String[]> embeddingTables = new HashMap<>();
        boolean int4Table = false;

        for (Node n : List.copyOf(graph.nodes())) {
            Optional<String> why;
            if (n.is("MatMul") || n.is("Gemm") || isFusedAttention(n)) {
                Candidate c = new Candidate(n);
                why = c.check(graph);
                if (why.isEmpty() && !options.nodes().accepts(n)) {
                    why = Optional.of("excluded by include/exclude");
                }
                if (why.isEmpty()) {
                    byActivation.computeIfAbsent(n.input(0), k -> new ArrayList<>()).add(c);
                    continue;
                }
            } else if (EmbeddingQuantizer.isLookup(graph, n)) {
                why = EmbeddingQuantizer.check(graph, n);
                if (why.isEmpty() && !options.quantizeEmbeddings()) {
                    why = Optional.of("embeddings kept float, as asked");
                }
                if (why.isEmpty() && !options.nodes().accepts(n)) {
                    why = Optional.of("excluded by include/exclude");
                }
                if (why.isEmpty() && EmbeddingBlockRewrite.takesTokenTable(graph, options, n)) {
                    int4Table = true;
                    continue;
                }
                if (why.isEmpty()) {
                    EmbeddingQuantizer.rewrite(graph, n, options.symmetric(), names, embeddingTables);
                    quantized.add(n.name());
                    continue;
                }
            } else if (n.is("Conv")) {
                why = Optional.of("dynamic-int8 rewrites MatMul, Gemm and embedding Gather; use static-int8 for Conv");
            } else {
                continue;
            }
            keptFloat.put(n.name(), why.get());
        }

        Map<String, QuantizedNames> weights = new HashMap<>();
        for (Map.Entry<String, List<Candidate>> e : byActivation.entrySet()) {
            List<Candidate> group = e.getValue();
            Node first = group.get(0).node;
            String base = e.getKey().replaceAll("[^A-Za-z0-9_./:-]", "_");
            String xq = names.fresh(base + "_quantized");
            String sx = names.fresh(base + "_scale");
            String zx = names.fresh(base + "_zero_point");
            graph.insertBefore(first, Node.of(names.fresh(base + "_DynamicQuantizeLinear"), "DynamicQuantizeLinear",
                    List.of(e.getKey()), List.of(xq, sx, zx)));
            for (Candidate c : group) {
                QuantizedNames w = weights.computeIfAbsent(c.weightKey(), k -> c.addWeights(graph, names,
                        options.perChannel(), options.symmetric()));
                if (isFusedAttention(c.node)) {
                    graph.replaceNode(c.node, List.of(c.qAttention(xq, w, sx, zx)));
                    quantized.add(c.node.name());
                    continue;
                }
                Optional<Node> biasAdd = c.foldableBias(graph, consumers);
                List<String> inputs = new ArrayList<>(List.of(xq, w.values, sx, w.scale, zx, w.zeroPoint));
                String output = c.node.output(0);
                if (biasAdd.isPresent()) {
                    Node add = biasAdd.get();
                    inputs.add(add.input(0).equals(output) ? add.input(1) : add.input(0));
                    output = add.output(0);
                    graph.removeNode(add);
                } else if (c.gemmBias != null) {
                    inputs.add(c.biasVector(graph, names));
                }
                Node mm = new Node(c.node.name(), "MatMulIntegerToFloat", MS_DOMAIN, inputs, List.of(output));
                graph.replaceNode(c.node, List.of(mm));
                quantized.add(c.node.name());
            }
        }
        List<String> notes = new ArrayList<>();
        if (int4Table) {
            QuantizationLog log = new QuantizationLog();
            EmbeddingBlockRewrite.forInt8Modes(options).apply(graph, options.nodes(), log);
            QuantizationResult r = log.result(model);
            quantized.addAll(r.quantizedNodes());
            keptFloat.putAll(r.keptFloat());
            notes.addAll(r.notes());
        }
        if (!byActivation.isEmpty() || int4Table) {
            model.requireOpset(MS_DOMAIN, 1);
        }
        graph.removeDeadNodes();
        graph.removeUnusedInitializers();
        return new QuantizationResult(model, quantized, keptFloat, notes);
    }

    private record QuantizedNames(String values, String scale, String zeroPoint) {}

    /** com.microsoft.Attention (the encoder emitter writes it with fused attention): Q/K/V packed in one weight. */
    static boolean isFusedAttention(Node n) {
        return n.opType().equals("Attention") && MS_DOMAIN.equals(n.domain());
    }

    /** The attributes com.microsoft.QAttention shares with Attention; any other makes the node stay float. */
    private static final java.util.Set<String> Q_ATTENTION_ATTRIBUTES =
            java.util.Set.of("num_heads", "unidirectional", "mask_filter_value", "scale");

    /** A MatMul or Gemm that may become MatMulIntegerToFloat, and what that needs. */
    private static final class Candidate {
        final Node node;
        String gemmBias;

        Candidate(Node node) {
            this.node = node;
        }

        /** Why this node cannot be rewritten, or empty. */
        Optional<String> check(Graph graph) {
            if (isFusedAttention(node)) {
                Optional<String> why = checkAttention(graph);
                if (why.isPresent()) {
                    return why;
                }
            }
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

        /**
         * QAttention takes what Attention does minus past state and attention bias: input, packed
         * weight and bias, and an optional mask index.
         */
        private Optional<String> checkAttention(Graph graph) {
            for (int i = 4; i < node.inputs().size(); i++) {
                if (!node.input(i).isEmpty()) {
                    return Optional.of("Attention with past state or attention bias; QAttention takes neither");
                }
            }
            for (String attr : node.attributes().keySet()) {
                if (!Q_ATTENTION_ATTRIBUTES.contains(attr)) {
                    return Optional.of("Attention attribute " + attr + " has no QAttention equivalent");
                }
            }
            Optional<Tensor> bias = graph.constantValue(node.inputs().size() > 2 ? node.input(2) : "");
            if (bias.isEmpty() || bias.get().type() != DataType.FLOAT) {
                return Optional.of("Attention without a constant float bias");
            }
            return Optional.empty();
        }

        /**
         * QAttention(xq, Wq, bias, sx, sW, mask_index, zx, zW): the Q/K/V projection as one integer GEMM
         * with the attention itself in the same kernel.
         */
        Node qAttention(String xq, QuantizedNames w, String sx, String zx) {
            String maskIndex = node.inputs().size() > 3 ? node.input(3) : "";
            Node q = new Node(node.name(), "QAttention", MS_DOMAIN,
                    List.of(xq, w.values, node.input(2), sx, w.scale, maskIndex, zx, w.zeroPoint), node.outputs());
            node.attributes().values().forEach(q::put);
            return q;
        }

        /** Gemm's C as the [N] vector MatMulIntegerToFloat takes ([1, N] and [N] are both legal C). */
        String biasVector(Graph graph, NameScope names) {
            Tensor c = graph.constantValue(gemmBias).orElseThrow();
            if (c.rank() == 1 && graph.isInitializer(gemmBias)) {
                return gemmBias;
            }
            String name = names.fresh(gemmBias + "_vector");
            graph.addInitializer(c.reshaped(c.numElements()).withName(name));
            return name;
        }

        String weightKey() {
            return node.input(1) + (node.is("Gemm") && node.intAttribute("transB", 0) != 0 ? "#T" : "");
        }

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

        /** The Add of a constant [N] bias that is this MatMul's only reader, when it can be folded in. */
        Optional<Node> foldableBias(Graph graph, Map<String, List<Node>> consumers) {
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
}
