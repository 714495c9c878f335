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
import dev.nncj.quantize.IntegerMatMul.QuantizedNames;
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
 *
 * <p>{@link #fakeQuantized} is the same selection as quantization-aware training trains it
 * ({@link DynamicInt8TrainableForm}).
 */
public final class DynamicInt8Quantizer implements ModelQuantizer {
    /**
     * The op of the quantization-aware-training form ({@link #fakeQuantized}) that stands where the written
     * model's DynamicQuantizeLinear is: {@code FakeQuantizeActivation(x)} quantizes x to uint8 over x's own
     * range [min(x, 0), max(x, 0)] as DynamicQuantizeLinear does, one range per sentence (per element of
     * the first axis of a [batch, tokens, width] or [batch, width] activation, as a batch-1 run ranges it),
     * and returns DQ(Q(x)). Not an
     * ONNX op: nncj-train's executor runs it; the exported model never holds it.
     */
    public static final String FAKE_QUANT_ACTIVATION = "FakeQuantizeActivation";

    @Override
    public QuantizationResult quantize(OnnxModel model, QuantizeOptions options, ProgressListener progress) {
        requireOpset(model);
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
     * The quantization-aware-training form of {@code model} (edited in place and returned): every
     * activation {@link #quantize} would quantize at run time passes through {@link #FAKE_QUANT_ACTIVATION},
     * every weight it would store as int8 stays a float initializer (same name, trainable) read through
     * {@link StaticInt8Quantizer#FAKE_QUANT_WEIGHT}, and the token table is stored as the export will
     * store it (not trained). Trained, its float weights go back into the float model and
     * {@link #quantize} writes what was trained.
     */
    public static OnnxModel fakeQuantized(OnnxModel model, QuantizeOptions options) {
        requireOpset(model);
        Graph graph = model.graph();
        for (Node n : graph.nodes()) {
            if (isFusedAttention(n)) {
                throw new NncjException(model.source().map(Object::toString).orElse("model") + ": quantization-aware"
                        + " training cannot train fused attention (node '" + n.name() + "'); give the model plain attention");
            }
        }
        NameScope names = graph.nameScope();
        Selection selected = select(graph, options, names);
        Map<String, String> weights = new HashMap<>(); // a weight read by several nodes is fake-quantized once
        selected.byActivation.forEach((activation, group) -> {
            String base = activation.replaceAll("[^A-Za-z0-9_./:-]", "_");
            String fakeQuantized = names.fresh(base + "_fake_quantized");
            graph.insertBefore(group.get(0).node(), new Node(names.fresh(base + "_" + FAKE_QUANT_ACTIVATION),
                    FAKE_QUANT_ACTIVATION, StaticInt8Quantizer.FAKE_QUANT_DOMAIN, List.of(activation), List.of(fakeQuantized)));
            for (IntegerMatMul c : group) {
                Node n = c.node();
                n.setInput(0, fakeQuantized);
                n.setInput(1, weights.computeIfAbsent(c.weightKey(),
                        k -> StaticInt8Quantizer.fakeQuantizeWeight(graph, n, options, names)));
            }
        });
        if (selected.int4Table) {
            EmbeddingBlockRewrite.forInt8Modes(options).applyAsFloat(graph, options.nodes(), new QuantizationLog());
        }
        if (!selected.byActivation.isEmpty()) {
            model.requireOpset(StaticInt8Quantizer.FAKE_QUANT_DOMAIN, 1);
        }
        graph.sortTopologically();
        graph.removeDeadNodes();
        graph.removeUnusedInitializers();
        return model;
    }

    private static void requireOpset(OnnxModel model) {
        if (model.opset() < 11) {
            throw new NncjException(model.source().map(Object::toString).orElse("model")
                    + ": uses ONNX opset " + model.opset() + "; dynamic-int8 needs DynamicQuantizeLinear (opset 11)");
        }
    }

    /**
     * What one walk over the graph decided: the MatMul-like nodes to rewrite, grouped by the activation
     * they read (one DynamicQuantizeLinear each), the nodes kept float with the reason, the lookups
     * quantized (rewritten as the walk meets them) and whether the token table is left for the 4-bit
     * block rewrite.
     */
    private static final class Selection {
        final Map<String, List<IntegerMatMul>> byActivation = new LinkedHashMap<>();
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
                IntegerMatMul c = new IntegerMatMul(n);
                why = (isFusedAttention(n) ? checkAttention(graph, n) : Optional.<String>empty())
                        .or(() -> c.check(graph)).or(() -> excluded(options, n));
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
                                     List<IntegerMatMul> group, Map<String, QuantizedNames> weights, QuantizeOptions options,
                                     List<String> quantized) {
        String base = activation.replaceAll("[^A-Za-z0-9_./:-]", "_");
        QuantizedNames x = new QuantizedNames(names.fresh(base + "_quantized"), names.fresh(base + "_scale"),
                names.fresh(base + "_zero_point"));
        graph.insertBefore(group.get(0).node(), Node.of(names.fresh(base + "_DynamicQuantizeLinear"),
                "DynamicQuantizeLinear", List.of(activation), List.of(x.values(), x.scale(), x.zeroPoint())));
        for (IntegerMatMul c : group) {
            QuantizedNames w = weights.computeIfAbsent(c.weightKey(), k -> c.addWeights(graph, names,
                    options.perChannel(), options.symmetric()));
            Node rewritten = isFusedAttention(c.node()) ? qAttention(c.node(), x, w) : c.rewrite(graph, names, consumers, x, w);
            graph.replaceNode(c.node(), List.of(rewritten));
            quantized.add(c.node().name());
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

    /** com.microsoft.Attention (the encoder emitter writes it with fused attention): Q/K/V packed in one weight. */
    static boolean isFusedAttention(Node n) {
        return n.opType().equals("Attention") && Domains.MICROSOFT.equals(n.domain());
    }

    /** The attributes com.microsoft.QAttention shares with Attention; any other makes the node stay float. */
    private static final java.util.Set<String> Q_ATTENTION_ATTRIBUTES =
            java.util.Set.of("num_heads", "unidirectional", "mask_filter_value", "scale");

    /**
     * Why a fused Attention cannot become QAttention, or empty: QAttention takes what Attention does
     * minus past state and attention bias (input, packed weight and bias, an optional mask index).
     */
    private static Optional<String> checkAttention(Graph graph, Node node) {
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
    private static Node qAttention(Node node, QuantizedNames x, QuantizedNames w) {
        String maskIndex = node.inputs().size() > 3 ? node.input(3) : "";
        Node q = new Node(node.name(), "QAttention", Domains.MICROSOFT,
                List.of(x.values(), w.values(), node.input(2), x.scale(), w.scale(), maskIndex, x.zeroPoint(), w.zeroPoint()),
                node.outputs());
        node.attributes().values().forEach(q::put);
        return q;
    }
}
