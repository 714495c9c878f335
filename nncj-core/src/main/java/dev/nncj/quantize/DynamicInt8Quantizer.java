package dev.nncj.quantize;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.Domains;
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
    @Override
    public QuantizationResult quantize(OnnxModel model, QuantizeOptions options, ProgressListener progress) {
        if (model.opset() < 11) {
            throw new NncjException(model.source().map(Object::toString).orElse("model")
                    + ": uses ONNX opset " + model.opset() + "; dynamic-int8 needs DynamicQuantizeLinear (opset 11)");
        }
        Graph graph = model.graph();
        NameScope names = graph.nameScope();
        Map<String, List<Node>> consumers = graph.consumerMap(); // as read before any rewrite, for bias folding
        Selection selected = select(graph, options, names);
        Map<String, QuantizedNames> weights = new HashMap<>(); // a weight read by several nodes is stored once
        selected.byActivation.forEach((activation, group) ->
                rewriteGroup(graph, names, consumers, activation, group, weights, options, selected.quantized));
        List<String> notes = new ArrayList<>();
        if (selected.int4Table) {
            notes.addAll(blockQuantizeTokenTable(model, options, selected));
        }
        if (!selected.byActivation.isEmpty() || selected.int4Table) {
            model.requireOpset(Domains.MICROSOFT, 1);
        }
        graph.removeDeadNodes();
        graph.removeUnusedInitializers();
        return new QuantizationResult(model, selected.quantized, selected.keptFloat, notes);
    }

    /**
     * What one walk over the graph decided: the MatMul-like nodes to rewrite, grouped by the activation
     * they read (one DynamicQuantizeLinear each), the nodes kept float with the reason, the lookups
     * quantized (rewritten as the walk meets them) and whether the token table is left for the 4-bit
     * block rewrite.
     */
    private static final class Selection {
        final Map<String, List<Candidate>> byActivation = new LinkedHashMap<>();
        final Map<String, String> keptFloat = new LinkedHashMap<>();
        final List<String> quantized = new ArrayList<>();
        boolean int4Table;
    }

    private static Selection select(Graph graph, QuantizeOptions options, NameScope names) {
        Selection s = new Selection();
        Map<String, String[]> embeddingTables = new HashMap<>();
        for (Node n : List.copyOf(graph.nodes())) {
            Optional<String> why;
            if (n.is("MatMul") || n.is("Gemm") || isFusedAttention(n)) {
                Candidate c = new Candidate(n);
                why = c.check(graph).or(() -> excluded(options, n));
                if (why.isEmpty()) {
                    s.byActivation.computeIfAbsent(n.input(0), k -> new ArrayList<>()).add(c);
                    continue;
                }
            } else if (EmbeddingQuantizer.isLookup(graph, n)) {
                why = whyLookupStaysFloat(graph, options, n);
                if (why.isEmpty() && EmbeddingBlockRewrite.takesTokenTable(graph, options, n)) {
                    s.int4Table = true;
                    continue;
                }
                if (why.isEmpty()) {
                    EmbeddingQuantizer.rewrite(graph, n, options.symmetric(), names, embeddingTables);
                    s.quantized.add(n.name());
                    continue;
                }
            } else if (n.is("Conv")) {
                why = Optional.of("dynamic-int8 rewrites MatMul, Gemm and embedding Gather; use static-int8 for Conv");
            } else {
                continue;
            }
            s.keptFloat.put(n.name(), why.get());
        }
        return s;
    }

    private static Optional<String> whyLookupStaysFloat(Graph graph, QuantizeOptions options, Node n) {
        return EmbeddingQuantizer.check(graph, n)
                .or(() -> options.quantizeEmbeddings() ? Optional.empty() : Optional.of("embeddings kept float, as asked"))
                .or(() -> excluded(options, n));
    }

    private static Optional<String> excluded(QuantizeOptions options, Node n) {
        return options.nodes().accepts(n) ? Optional.empty() : Optional.of("excluded by include/exclude");
    }

    /**
     * Quantizes {@code activation} once, just before its first reader, and rewrites every reader in
     * {@code group} to take the quantized activation and its weight's int8 copy.
     */
    private static void rewriteGroup(Graph graph, NameScope names, Map<String, List<Node>> consumers, String activation,
                                     List<Candidate> group, Map<String, QuantizedNames> weights, QuantizeOptions options,
                                     List<String> quantized) {
        String base = activation.replaceAll("[^A-Za-z0-9_./:-]", "_");
        QuantizedNames x = new QuantizedNames(names.fresh(base + "_quantized"), names.fresh(base + "_scale"),
                names.fresh(base + "_zero_point"));
        graph.insertBefore(group.get(0).node, Node.of(names.fresh(base + "_DynamicQuantizeLinear"),
                "DynamicQuantizeLinear", List.of(activation), List.of(x.values, x.scale, x.zeroPoint)));
        for (Candidate c : group) {
            QuantizedNames w = weights.computeIfAbsent(c.weightKey(), k -> c.addWeights(graph, names,
                    options.perChannel(), options.symmetric()));
            Node rewritten = isFusedAttention(c.node) ? c.qAttention(x, w) : c.integerMatMul(graph, names, consumers, x, w);
            graph.replaceNode(c.node, List.of(rewritten));
            quantized.add(c.node.name());
        }
    }

    /** The token table stored in 4-bit blocks as the weight-only modes store it; returns that rewrite's notes. */
    private static List<String> blockQuantizeTokenTable(OnnxModel model, QuantizeOptions options, Selection selected) {
        QuantizationLog log = new QuantizationLog();
        EmbeddingBlockRewrite.forInt8Modes(options).apply(model.graph(), options.nodes(), log);
        QuantizationResult r = log.result(model);
        selected.quantized.addAll(r.quantizedNodes());
        selected.keptFloat.putAll(r.keptFloat());
        return r.notes();
    }

    /** A quantized tensor's three names: int8 values, scale and zero point. */
    private record QuantizedNames(String values, String scale, String zeroPoint) {}

    /** com.microsoft.Attention (the encoder emitter writes it with fused attention): Q/K/V packed in one weight. */
    static boolean isFusedAttention(Node n) {
        return n.opType().equals("Attention") && Domains.MICROSOFT.equals(n.domain());
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
        Node qAttention(QuantizedNames x, QuantizedNames w) {
            String maskIndex = node.inputs().size() > 3 ? node.input(3) : "";
            Node q = new Node(node.name(), "QAttention", Domains.MICROSOFT,
                    List.of(x.values, w.values, node.input(2), x.scale, w.scale, maskIndex, x.zeroPoint, w.zeroPoint),
                    node.outputs());
            node.attributes().values().forEach(q::put);
            return q;
        }

        /**
         * MatMulIntegerToFloat(xq, Wq, sx, sW, zx, zW[, bias]) in this node's place; the bias is Gemm's C
         * or a following Add's constant, which is then removed from the graph and its output produced here.
         */
        Node integerMatMul(Graph graph, NameScope names, Map<String, List<Node>> consumers, QuantizedNames x,
                           QuantizedNames w) {
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
