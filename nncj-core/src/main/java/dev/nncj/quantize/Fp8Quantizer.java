package dev.nncj.quantize;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.Graph;
import dev.nncj.onnx.MiniFloat;
import dev.nncj.onnx.NameScope;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.NodeFilter;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.OpsetUpgrade;
import dev.nncj.onnx.Tensor;
import dev.nncj.onnx.TokenEmbedding;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * float8 weights (E4M3FN or E5M2) with float32 scales, widened by {@code DequantizeLinear} (opset 19):
 * {@code W ≈ fp8(W / s) * s} with {@code s = max|W| / maxFinite} per output channel (per column of a
 * MatMul weight [K, N], DequantizeLinear axis 1) or per tensor, so the largest weight lands on the
 * format's largest finite value (448 for E4M3FN, 57344 for E5M2) and the rest keep float8's relative
 * precision (3 mantissa bits for E4M3FN, 2 for E5M2) down to its subnormals.
 *
 * <ul>
 * <li>MatMul {@code A @ W} → {@code A @ DequantizeLinear(Wq, s, axis=1)}.</li>
 * <li>The token-embedding lookup {@code Gather(T, ids)}: ONNX's Gather takes no float8 tensor (ORT
 *     refuses the model), and DequantizeLinear before the Gather would widen the whole table on
 *     every run (tens of ms for a BERT vocabulary). So the table's float8 codes are stored as their
 *     uint8 bit patterns, the looked-up rows are decoded through the format's 256-entry table and
 *     scaled: {@code Gather(decode, Cast<int32>(Gather(Tbits, ids))) * s}, one scale per hidden
 *     column. The values are exactly float8's; only the looked-up rows are widened.</li>
 * </ul>
 * Float8 types need opset 19; a model below it is upgraded by {@link OpsetUpgrade}, which refuses
 * (before any change) when one of the model's ops would change meaning. That keeps the model's own
 * ops and the new DequantizeLinear in one default-domain opset, the only form ONNX allows.
 */
public final class Fp8Quantizer implements ModelQuantizer {
    static final long OPSET = 19;

    @Override
    public QuantizationResult quantize(OnnxModel model, QuantizeOptions options, ProgressListener progress) {
        OpsetUpgrade upgrade = new OpsetUpgrade(OPSET);
        String why = upgrade.whyNot(model);
        if (why != null) {
            throw new NncjException("fp8 needs ONNX opset 19 (float8 DequantizeLinear) and the model's opset "
                    + model.opset() + " cannot be raised safely: " + why + "; use ", dev.nncj.OptionName.of("mode"), " int8-weight or fp16");
        }
        Graph graph = model.graph();
        boolean anyWeight = graph.nodes().stream().anyMatch(n -> n.is("MatMul") && options.nodes().accepts(n)
                && MatMulWeight.find(graph, n).found());
        boolean anyTable = options.quantizeEmbeddings() && TokenEmbedding.table(graph).isPresent();
        long before = model.opset();
        if (anyWeight || anyTable) {
            upgrade.apply(model); // first, so the upgrade sees only the model's own ops
        }
        DataType type = options.fp8Format() == QuantizeOptions.Fp8Format.E5M2 ? DataType.FLOAT8E5M2 : DataType.FLOAT8E4M3FN;
        NameScope names = graph.nameScope();
        QuantizationLog log = new QuantizationLog();
        Map<String, String> done = new HashMap<>(); // weight -> its DequantizeLinear output (shared weights)
        for (Node node : List.copyOf(graph.nodes())) {
            if (!node.is("MatMul")) {
                continue;
            }
            if (!options.nodes().accepts(node)) {
                log.keptFloat(node, "excluded by include/exclude");
                continue;
            }
            MatMulWeight.Either found = MatMulWeight.find(graph, node);
            if (!found.found()) {
                log.keptFloat(node, found.reason());
                continue;
            }
            Tensor w = found.weight().weight();
            String widened = done.computeIfAbsent(w.name(), k -> {
                Node dq = dequantize(graph, names, w, type, options.perChannel() ? 1 : -1);
                graph.insertBefore(node, dq);
                return dq.output(0);
            });
            node.setInput(1, widened);
            log.quantized(node);
        }
        if (options.quantizeEmbeddings()) {
            quantizeEmbedding(graph, names, type, options.nodes(), log);
        } else {
            log.note("token-embedding table kept float, as asked");
        }
        graph.removeUnusedInitializers();
        if (log.quantizedCount() > 0) {
            if (before < OPSET) {
                log.note("default opset raised from " + before + " to " + OPSET + " for float8 DequantizeLinear");
            }
        } else {
            log.note("no MatMul with a constant weight and no token-embedding table found: nothing quantized");
        }
        return log.result(model);
    }

    private static void quantizeEmbedding(Graph graph, NameScope names, DataType type, NodeFilter filter,
                                          QuantizationLog log) {
        Optional<Tensor> found = TokenEmbedding.table(graph);
        if (found.isEmpty() || found.get().type() != DataType.FLOAT) {
            return;
        }
        Tensor table = found.get();
        List<Node> readers = graph.consumers(table.name());
        boolean allGathers = readers.stream().allMatch(n -> n.is("Gather") && n.input(0).equals(table.name())
                && n.intAttribute("axis", 0) == 0);
        for (Node g : readers) {
            if (!allGathers) {
                log.keptFloat(g, "table " + table.name() + " is read by more than row lookups (tied weights)");
            } else if (!filter.accepts(g)) {
                log.keptFloat(g, "excluded by include/exclude");
            }
        }
        if (!allGathers || readers.stream().anyMatch(n -> !filter.accepts(n))) {
            return;
        }
        // one scale per hidden column (axis 1 of the table, the last axis of every lookup's output)
        MiniFloat format = MiniFloat.of(type);
        float[] values = table.toFloats();
        float[] scales = Fp8Scales.scales(values, table.shape(), 1, format.maxFinite());
        Tensor fp8 = Tensor.encodeFloats("codes", type, table.shape(),
                Fp8Scales.divide(values, table.shape(), 1, scales));
        Tensor codes = Tensor.ofRaw(names.fresh(table.name() + "_" + type.displayName() + "_bits"), DataType.UINT8,
                table.shape(), fp8.rawData());
        float[] decode = new float[256];
        for (int c = 0; c < decode.length; c++) {
            decode[c] = format.decode(c);
        }
        Tensor lut = Tensor.ofFloats(names.fresh(type.displayName() + "_decode"), new long[] {256}, decode);
        Tensor scale = Tensor.ofFloats(names.fresh(table.name() + "_scale"), new long[] {scales.length}, scales);
        graph.addInitializer(codes);
        graph.addInitializer(lut);
        graph.addInitializer(scale);
        for (Node g : readers) {
            String out = g.output(0);
            String rows = names.fresh(out + "_bits");
            String index = names.fresh(out + "_code");
            String decoded = names.fresh(out + "_unscaled");
            g.setInput(0, codes.name());
            g.setOutput(0, rows);
            Node cast = new Node(names.fresh(g.name() + "_code"), "Cast", "", List.of(rows), List.of(index))
                    .set("to", DataType.INT32.code());
            Node look = Node.of(names.fresh(g.name() + "_decode"), "Gather", List.of(lut.name(), index), List.of(decoded));
            Node mul = Node.of(names.fresh(g.name() + "_scale"), "Mul", List.of(decoded, scale.name()), List.of(out));
            graph.replaceNode(g, List.of(g, cast, look, mul));
            log.quantized(g);
        }
    }

    /**
     * Adds the float8 codes and scales of {@code w} as initializers and returns (not inserted) the
     * DequantizeLinear that widens them. {@code axis} is the per-channel axis of the rank-2
     * {@code w}, -1 for one scale.
     */
    private static Node dequantize(Graph graph, NameScope names, Tensor w, DataType type, int axis) {
        MiniFloat format = MiniFloat.of(type);
        float[] values = w.toFloats();
        float[] scales = Fp8Scales.scales(values, w.shape(), axis, format.maxFinite());
        float[] scaled = Fp8Scales.divide(values, w.shape(), axis, scales);
        Tensor codes = Tensor.encodeFloats(names.fresh(w.name() + "_" + type.displayName()), type, w.shape(), scaled);
        Tensor scale = axis < 0
                ? Tensor.ofFloats(names.fresh(w.name() + "_scale"), new long[0], scales)
                : Tensor.ofFloats(names.fresh(w.name() + "_scale"), new long[] {scales.length}, scales);
        graph.addInitializer(codes);
        graph.addInitializer(scale);
        Node dq = new Node(names.fresh(w.name() + "_dequantize"), "DequantizeLinear", "",
                List.of(codes.name(), scale.name()), List.of(names.fresh(w.name() + "_dequantized")));
        if (axis >= 0) {
            dq.set("axis", axis);
        }
        return dq;
    }
}
