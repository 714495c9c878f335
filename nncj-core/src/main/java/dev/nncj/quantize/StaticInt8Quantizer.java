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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Static int8: every activation a quantized op reads is quantized to uint8 with a scale and zero
 * point from calibration on real data ({@link ActivationCalibrator}); weights are stored as uint8
 * (per output channel by default). Two forms, both run by ONNX Runtime's integer kernels:
 * <pre>
 * QuantizeLinear(x) → MatMulIntegerToFloat(xq, Wq, sx, sW, zx, zW, b)   MatMul, Gemm ({@link IntegerMatMul})
 * DQ(Q(x)) → Conv ← DQ(W) → Q                                      ⇒ QLinearConv (ORT's QDQ fusion)
 * </pre>
 * A MatMul is written as the integer op itself rather than as DQ(Q(x)) → MatMul ← DQ(W), which ORT
 * also turns into MatMulIntegerToFloat, because ORT's QDQ fusion leaves the bias Add outside: on
 * MiniLM (Xeon with AMX, ORT 1.23.2) that form ran at 1.05x of dynamic int8's p50, 30 Adds over
 * [tokens, N] more. Written this way it is dynamic int8's product with x's range calibrated
 * instead of measured at run time (one pass over x fewer), and {@link #fakeQuantized}'s Q/DQ form
 * computes the same numbers, so what QAT trains is what is exported
 * (bench/results/2026-12-03-static-int8-integer-matmuls.md).
 *
 * <p>MatMuls whose both inputs are computed (attention's Q·Kᵀ and P·V) stay float, as in dynamic
 * int8, unless {@link QuantizeOptions#quantizeAttention()} asks for them: then they read Q/DQ
 * pairs, which ORT runs as QLinearMatMul and MatMulIntegerToFloat; their four pairs per layer cost
 * more than those kernels save (MiniLM: 1.02x of ORT's quantizer's p50 with them, 0.98x without).
 * Outputs of MatMuls are not requantized: LayerNorm, GELU and softmax follow in float anyway. Add and Mul stay float for the same reason (ORT's QLinearAdd needs
 * int8 on both sides, which a BERT residual stream never has).
 *
 * <p>Opset 13+ models get ONNX's QuantizeLinear/DequantizeLinear (per-axis needs 13); older ones
 * (PyTorch's opset-11 exports) get ONNX Runtime's com.microsoft versions, which take the same
 * inputs plus {@code axis} and which ORT fuses identically.
 */
public final class StaticInt8Quantizer implements ModelQuantizer {

    /**
     * The op of the quantization-aware-training form ({@link #fakeQuantized}) that stands where a
     * stored weight and its DequantizeLinear would be: {@code FakeQuantizeWeight(W)} with attributes
     * {@code axis} (the output-channel axis, or -1 for one range per tensor) and {@code symmetric},
     * computing W's own uint8 parameters exactly as {@link #dequantizeWeight} does and returning
     * DQ(Q(W)). Not an ONNX op: nncj-train's executor runs it; the exported model never holds it.
     */
    public static final String FAKE_QUANT_DOMAIN = Domains.TRAINING;
    public static final String FAKE_QUANT_WEIGHT = "FakeQuantizeWeight";

    /** How quantized weights are written: stored as uint8 (inference), or float behind fake quantization (QAT). */
    private enum WeightForm { STORED, FAKE }

    /** The nodes a run quantizes, the activations they read and the nodes kept float with the reason. */
    private record Plan(List<Node> planned, List<Node> embeddings, Set<String> observed, Map<String, String> keptFloat) {}

    @Override
    public QuantizationResult quantize(OnnxModel model, QuantizeOptions options, ProgressListener progress) {
        return quantizeWithRanges(model, options, calibrate(model, options, progress));
    }

    /**
     * The calibrated range [lo, hi] of every activation static int8 quantizes in {@code model}, by
     * tensor name: what {@link #quantizeWithRanges} and {@link #fakeQuantized} take, so that a model
     * trained with fake quantization is exported with the ranges it was trained with.
     */
    public static Map<String, float[]> calibrate(OnnxModel model, QuantizeOptions options, ProgressListener progress) {
        Calibration calibration = options.calibration().orElseThrow(() -> new NncjException(
                "static-int8 needs ", dev.nncj.OptionName.of("calibration"), " (a few hundred sentences of the task's training data)"));
        requireOpset(model);
        Set<String> observed = plan(model.graph(), options).observed();
        return observed.isEmpty() ? Map.of() : ActivationCalibrator.ranges(model, observed, calibration, progress);
    }

    /** Static int8 QDQ with activation ranges already known (from {@link #calibrate} on this graph). */
    public static QuantizationResult quantizeWithRanges(OnnxModel model, QuantizeOptions options, Map<String, float[]> ranges) {
        requireOpset(model);
        QuantizationLog log = new QuantizationLog();
        Plan plan = rewrite(model, options, ranges, WeightForm.STORED, log);
        List<String> notes = new ArrayList<>(log.notes());
        notes.add("calibrated " + ranges.size() + " activation tensors"
                + options.calibration().map(c -> " on " + c.sentences().size() + " sentences ("
                        + c.method().name().toLowerCase(java.util.Locale.ROOT) + ")").orElse(""));
        List<String> quantized = new ArrayList<>();
        plan.planned().forEach(n -> quantized.add(n.name()));
        plan.embeddings().forEach(n -> quantized.add(n.name()));
        Map<String, String> keptFloat = new LinkedHashMap<>(plan.keptFloat());
        keptFloat.putAll(log.result(model).keptFloat()); // a token table the 4-bit rewrite declined
        quantized.removeAll(keptFloat.keySet());
        return new QuantizationResult(model, quantized, keptFloat, notes);
    }

    /**
     * The quantization-aware-training form of {@code model} (edited in place and returned): the same
     * activations pass through default-domain QuantizeLinear/DequantizeLinear pairs with the given
     * ranges, the embedding table is quantized exactly as the export will store it, and every weight
     * the export would store as uint8 stays a float initializer (same name, trainable) read through
     * {@link #FAKE_QUANT_WEIGHT}. Trained, its float weights go back into the float model and
     * {@link #quantizeWithRanges} with the same ranges writes what was trained.
     */
    public static OnnxModel fakeQuantized(OnnxModel model, QuantizeOptions options, Map<String, float[]> ranges) {
        requireOpset(model);
        rewrite(model, options, ranges, WeightForm.FAKE, new QuantizationLog());
        return model;
    }

    private static void requireOpset(OnnxModel model) {
        if (model.opset() < 10) {
            throw new NncjException("static-int8 needs ONNX opset 10 or later (QuantizeLinear); the model has "
                    + model.opset());
        }
    }

    private static Plan plan(Graph graph, QuantizeOptions options) {
        Map<String, String> keptFloat = new LinkedHashMap<>();
        List<Node> planned = new ArrayList<>();
        List<Node> embeddings = new ArrayList<>();
        Set<String> observed = new LinkedHashSet<>();
        for (Node n : graph.nodes()) {
            Optional<String> why = check(graph, n, options.quantizeAttention());
            if (why == null) {
                continue; // not an op this mode quantizes
            }
            if (why.isEmpty() && !options.nodes().accepts(n)) {
                why = Optional.of("excluded by include/exclude");
            }
            if (why.isEmpty() && EmbeddingQuantizer.isLookup(graph, n) && !options.quantizeEmbeddings()) {
                why = Optional.of("embeddings kept float, as asked");
            }
            if (why.isPresent()) {
                keptFloat.put(n.name(), why.get());
                continue;
            }
            if (EmbeddingQuantizer.isLookup(graph, n)) {
                embeddings.add(n);
                continue;
            }
            planned.add(n);
            for (String in : activationInputs(graph, n)) {
                observed.add(in);
            }
            if (n.is("Conv") && !graph.isGraphOutput(n.output(0))) {
                observed.add(n.output(0));
            }
        }
        return new Plan(planned, embeddings, observed, keptFloat);
    }

    private static Plan rewrite(OnnxModel model, QuantizeOptions options, Map<String, float[]> ranges, WeightForm form,
                                QuantizationLog log) {
        Graph graph = model.graph();
        Plan plan = plan(graph, options);
        for (String t : plan.observed()) {
            if (!ranges.containsKey(t)) {
                throw new NncjException("no calibrated range for activation " + t
                        + " (ranges from a different model?)");
            }
        }
        // the executor runs default-domain Q/DQ only; per-tensor activations mean the same in either domain
        String qdqDomain = model.opset() >= 13 || form == WeightForm.FAKE ? "" : Domains.MICROSOFT;
        NameScope names = graph.nameScope();
        ActivationQdq activations = new ActivationQdq(graph, ranges, qdqDomain, names);
        Map<String, List<Node>> consumers = graph.consumerMap(); // as read before any rewrite, for bias folding
        Map<String, String> weights = new HashMap<>(); // a weight read by several nodes is stored once
        Map<String, QuantizedNames> integerWeights = new HashMap<>();
        for (Node n : plan.planned()) {
            IntegerMatMul integer = new IntegerMatMul(n);
            if (form == WeightForm.STORED && !n.is("Conv") && integer.check(graph).isEmpty()) {
                QuantizedNames x = activations.quantized(n.input(0), n);
                QuantizedNames w = integerWeights.computeIfAbsent(integer.weightKey(),
                        k -> integer.addWeights(graph, names, options.perChannel(), options.symmetric()));
                graph.replaceNode(n, List.of(integer.rewrite(graph, names, consumers, x, w)));
                continue;
            }
            for (String in : activationInputs(graph, n)) {
                n.replaceInput(in, activations.dequantized(in, n));
            }
            int weightIndex = 1;
            if (graph.constantValue(n.input(weightIndex)).isPresent()) {
                String key = n.input(weightIndex) + "#" + n.opType() + n.intAttribute("transB", 0);
                n.setInput(weightIndex, weights.computeIfAbsent(key, k -> form == WeightForm.STORED
                        ? dequantizeWeight(graph, n, options, qdqDomain, names)
                        : fakeQuantizeWeight(graph, n, options, names)));
            }
            if (n.is("Conv") && !graph.isGraphOutput(n.output(0))) {
                String out = n.output(0);
                List<Node> readers = graph.consumers(out);
                String dq = insertQdqAfter(graph, n, activations, names);
                for (Node r : readers) {
                    r.replaceInput(out, dq);
                }
            }
        }
        Map<String, String[]> tables = new HashMap<>();
        boolean int4Table = false;
        for (Node g : plan.embeddings()) {
            if (EmbeddingBlockRewrite.takesTokenTable(graph, options, g)) {
                int4Table = true;
            } else {
                EmbeddingQuantizer.rewrite(graph, g, options.symmetric(), names, tables);
            }
        }
        if (int4Table && form == WeightForm.STORED) {
            EmbeddingBlockRewrite.forInt8Modes(options).apply(graph, options.nodes(), log);
        } else if (int4Table) {
            EmbeddingBlockRewrite.forInt8Modes(options).applyAsFloat(graph, options.nodes(), log);
        }
        if (!integerWeights.isEmpty() || (!qdqDomain.isEmpty() && !plan.planned().isEmpty())) {
            model.requireOpset(Domains.MICROSOFT, 1); // com.microsoft Q/DQ, MatMulIntegerToFloat
        }
        if (form == WeightForm.FAKE && !weights.isEmpty()) {
            model.requireOpset(FAKE_QUANT_DOMAIN, 1);
        }
        graph.sortTopologically();
        graph.removeDeadNodes();
        graph.removeUnusedInitializers();
        return plan;
    }

    /** The output-channel axis of {@code n}'s weight: N of a [K, N] MatMul weight, M of Conv's [M, C, kh, kw], N of Gemm's B. */
    private static int weightAxis(Node n) {
        return n.is("Conv") || (n.is("Gemm") && n.intAttribute("transB", 0) != 0) ? 0 : 1;
    }

    /** The float weight read through {@link #FAKE_QUANT_WEIGHT}; returns the name its reader takes. */
    static String fakeQuantizeWeight(Graph graph, Node n, QuantizeOptions options, NameScope names) {
        String w = n.input(1);
        if (!graph.isInitializer(w)) {
            throw new NncjException("quantization-aware training needs weight " + w + " of node " + n.name()
                    + " as an initializer (it is a Constant node)");
        }
        String base = w.replaceAll("[^A-Za-z0-9_./:-]", "_");
        String out = names.fresh(base + "_fake_quantized");
        Node fq = new Node(names.fresh(base + "_" + FAKE_QUANT_WEIGHT), FAKE_QUANT_WEIGHT, FAKE_QUANT_DOMAIN,
                List.of(w), List.of(out));
        fq.set("axis", options.perChannel() ? (long) weightAxis(n) : -1L);
        fq.set("symmetric", options.symmetric() ? 1L : 0L);
        graph.insertBefore(n, fq);
        return out;
    }

    /**
     * Why {@code n} cannot be quantized, empty when it can, null when this mode does not handle its
     * op type at all (so it is not listed).
     */
    static Optional<String> check(Graph graph, Node n, boolean quantizeAttention) {
        if (n.is("MatMul")) {
            Optional<Tensor> w = graph.constantValue(n.input(1));
            if (w.isEmpty()) {
                return quantizeAttention ? Optional.empty() : Optional.of("both inputs are computed at run time"
                        + " (attention scores): kept float, since their Q/DQ pairs cost more than ORT's integer"
                        + " kernel saves at these sizes");
            }
            if (w.get().type() != DataType.FLOAT || w.get().rank() != 2) {
                return Optional.of("weight is not a float matrix");
            }
            if (graph.constantValue(n.input(0)).isPresent()) {
                return Optional.of("its input is a constant (ORT folds it)");
            }
            return Optional.empty();
        }
        if (n.is("Gemm")) {
            Optional<Tensor> w = graph.constantValue(n.input(1));
            if (w.isEmpty() || w.get().type() != DataType.FLOAT || w.get().rank() != 2) {
                return Optional.of("Gemm's B is not a constant float matrix");
            }
            return Optional.empty();
        }
        if (n.is("Conv")) {
            Optional<Tensor> w = graph.constantValue(n.input(1));
            if (w.isEmpty() || w.get().type() != DataType.FLOAT) {
                return Optional.of("Conv's weight is not a constant float tensor");
            }
            return Optional.empty();
        }
        if (EmbeddingQuantizer.isLookup(graph, n)) {
            return EmbeddingQuantizer.check(graph, n);
        }
        if (n.is("Add") || n.is("Mul")) {
            if (graph.constantValue(n.input(0)).isPresent() || graph.constantValue(n.input(1)).isPresent()
                    || n.inputs().size() != 2) {
                return null; // bias adds and scalings: absorbed by ORT's fusions, nothing to list
            }
            return Optional.of("elementwise op between two activations: kept float, since ORT's"
                    + " QLinear" + n.opType() + " would need int8 neighbours and only adds Q/DQ work here");
        }
        return null;
    }

    /** The computed (non-constant) float inputs of a quantized op: the activations to calibrate. */
    static List<String> activationInputs(Graph graph, Node n) {
        List<String> out = new ArrayList<>();
        int count = n.is("MatMul") ? 2 : 1;
        for (int i = 0; i < count; i++) {
            if (graph.constantValue(n.input(i)).isEmpty()) {
                out.add(n.input(i));
            }
        }
        return out;
    }

    /**
     * The calibrated QuantizeLinear of each activation, and its DequantizeLinear, each inserted once
     * (before the first reader; sortTopologically at the end settles the order for the others).
     */
    private static final class ActivationQdq {
        private final Graph graph;
        private final Map<String, float[]> ranges;
        private final String domain;
        private final NameScope names;
        private final Map<String, QuantizedNames> quantized = new HashMap<>();
        private final Map<String, String> dequantized = new HashMap<>();

        ActivationQdq(Graph graph, Map<String, float[]> ranges, String domain, NameScope names) {
            this.graph = graph;
            this.ranges = ranges;
            this.domain = domain;
            this.names = names;
        }

        /** {@code tensor} as uint8 with its calibrated scale and zero point. */
        QuantizedNames quantized(String tensor, Node before) {
            return quantized.computeIfAbsent(tensor, t -> {
                float[] range = ranges.get(t);
                UInt8Params p = UInt8Params.forRange(range[0], range[1], false);
                String base = t.replaceAll("[^A-Za-z0-9_./:-]", "_");
                QuantizedNames q = new QuantizedNames(names.fresh(base + "_quantized"), names.fresh(base + "_scale"),
                        names.fresh(base + "_zero_point"));
                graph.addInitializer(Tensor.ofFloats(q.scale(), new long[0], p.scale()));
                graph.addInitializer(Tensor.encodeLongs(q.zeroPoint(), DataType.UINT8, new long[0], new long[] {p.zeroPoint()}));
                graph.insertBefore(before, new Node(names.fresh(base + "_QuantizeLinear"), "QuantizeLinear", domain,
                        List.of(t, q.scale(), q.zeroPoint()), List.of(q.values())));
                return q;
            });
        }

        /** {@code tensor} through its QuantizeLinear and a DequantizeLinear: what a float op reads. */
        String dequantized(String tensor, Node before) {
            return dequantized.computeIfAbsent(tensor, t -> {
                QuantizedNames q = quantized(t, before);
                String dq = names.fresh(t.replaceAll("[^A-Za-z0-9_./:-]", "_") + "_dequantized");
                graph.insertBefore(before, new Node(names.fresh(dq + "_DequantizeLinear"), "DequantizeLinear", domain,
                        List.of(q.values(), q.scale(), q.zeroPoint()), List.of(dq)));
                return dq;
            });
        }
    }

    /** Q/DQ on the output of {@code n}; returns the dequantized name for its readers. */
    private static String insertQdqAfter(Graph graph, Node n, ActivationQdq activations, NameScope names) {
        int at = graph.nodes().indexOf(n);
        Node next = at + 1 < graph.nodes().size() ? graph.nodes().get(at + 1) : null;
        if (next == null) {
            Node placeholder = graph.addNode(Node.of(names.fresh("placeholder"), "Identity", List.of(n.output(0)),
                    List.of(names.fresh("placeholder_out"))));
            String dq = activations.dequantized(n.output(0), placeholder);
            graph.removeNode(placeholder);
            return dq;
        }
        return activations.dequantized(n.output(0), next);
    }

    /** Stores the weight as uint8 with per-channel (or per-tensor) scales behind DequantizeLinear. */
    private static String dequantizeWeight(Graph graph, Node n, QuantizeOptions options, String domain,
                                           NameScope names) {
        Tensor w = graph.constantValue(n.input(1)).orElseThrow();
        int axis = weightAxis(n);
        UInt8Channels q = UInt8Channels.of(w, axis, options.perChannel(), options.symmetric());
        int groups = q.scales().length;
        String base = n.input(1).replaceAll("[^A-Za-z0-9_./:-]", "_");
        String qName = names.fresh(base + "_quantized");
        String sName = names.fresh(base + "_scale");
        String zName = names.fresh(base + "_zero_point");
        long[] paramShape = groups == 1 ? new long[0] : new long[] {groups};
        graph.addInitializer(Tensor.encodeLongs(qName, DataType.UINT8, w.shape(), q.values()));
        graph.addInitializer(Tensor.ofFloats(sName, paramShape, q.scales()));
        graph.addInitializer(Tensor.encodeLongs(zName, DataType.UINT8, paramShape, q.zeroPoints()));
        String out = names.fresh(base + "_dequantized");
        Node dq = new Node(names.fresh(base + "_DequantizeLinear"), "DequantizeLinear", domain,
                List.of(qName, sName, zName), List.of(out));
        if (groups > 1) {
            dq.set("axis", (long) axis);
        }
        graph.insertBefore(n, dq);
        return out;
    }
}
