package dev.nncj.onnx;

import dev.nncj.NncjException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Raises a model's default ONNX opset so that new ops (float8 DequantizeLinear needs 19) can join
 * it, without changing what any existing op computes. ONNX allows one version per domain, so the
 * existing nodes are reinterpreted at the new opset; this is only sound op by op:
 * <ul>
 * <li>ops listed in {@link #UNCHANGED_SINCE} kept their meaning from that opset to the target (later
 *     versions only added types, or optional attributes and inputs whose defaults are the old
 *     behaviour);</li>
 * <li>ops whose attribute became an input are rewritten: Unsqueeze/Squeeze (13), ReduceSum (13), the
 *     other Reduce ops (18), Split (13: split input; 18: num_outputs when there is none);</li>
 * <li>Softmax, LogSoftmax and Hardmax before 13 coerce their input to 2-D at {@code axis}, from 13 on
 *     they work along one axis: the same only for the last axis, so {@code axis=-1}, or the last axis of an input whose rank
 *     {@link RankInference} proves, is accepted;</li>
 * <li>anything else (Resize, If, Loop, an unknown op, another axis for Softmax) makes the upgrade
 *     refuse, naming the node, before anything is changed.</li>
 * </ul>
 * The IR version is raised to 9 (the first that has float8 types) when lower.
 */
public final class OpsetUpgrade {
    private static final Map<String, Integer> UNCHANGED_SINCE = Map.ofEntries(
            Map.entry("Abs", 6), Map.entry("Neg", 6), Map.entry("Relu", 6), Map.entry("Sigmoid", 6),
            Map.entry("Tanh", 6), Map.entry("Exp", 6), Map.entry("Log", 6), Map.entry("Sqrt", 6),
            Map.entry("Reciprocal", 6), Map.entry("Floor", 6), Map.entry("Ceil", 6), Map.entry("Add", 7),
            Map.entry("Sub", 7), Map.entry("Mul", 7), Map.entry("Div", 7), Map.entry("Pow", 7),
            Map.entry("Erf", 9), Map.entry("Where", 9), Map.entry("Equal", 7), Map.entry("Less", 7),
            Map.entry("Greater", 7), Map.entry("Not", 1), Map.entry("And", 7), Map.entry("Or", 7),
            Map.entry("Sign", 9), Map.entry("Mod", 10), Map.entry("Round", 11), Map.entry("MatMul", 1),
            Map.entry("Gemm", 7), Map.entry("Gather", 1), Map.entry("GatherElements", 11), Map.entry("Concat", 4),
            Map.entry("Reshape", 5), Map.entry("Transpose", 1), Map.entry("Shape", 1), Map.entry("Size", 1),
            Map.entry("Identity", 1), Map.entry("Expand", 8), Map.entry("Tile", 6), Map.entry("Range", 11),
            Map.entry("ConstantOfShape", 9), Map.entry("Constant", 1), Map.entry("Cast", 6), Map.entry("Slice", 10),
            Map.entry("Flatten", 1), Map.entry("Clip", 11), Map.entry("Pad", 11), Map.entry("Dropout", 12),
            Map.entry("LayerNormalization", 17), Map.entry("Conv", 1), Map.entry("MaxPool", 12),
            Map.entry("AveragePool", 11), Map.entry("GlobalAveragePool", 1), Map.entry("GlobalMaxPool", 1),
            Map.entry("BatchNormalization", 9), Map.entry("InstanceNormalization", 6), Map.entry("LeakyRelu", 6),
            Map.entry("Elu", 6), Map.entry("Selu", 6), Map.entry("HardSigmoid", 6), Map.entry("PRelu", 9),
            Map.entry("Softplus", 1), Map.entry("ArgMax", 11), Map.entry("ArgMin", 11), Map.entry("TopK", 11),
            Map.entry("CumSum", 11), Map.entry("Einsum", 12), Map.entry("Trilu", 14), Map.entry("NonZero", 9),
            Map.entry("Min", 8), Map.entry("Max", 8), Map.entry("Sum", 8), Map.entry("Mean", 8),
            Map.entry("DequantizeLinear", 19), Map.entry("QuantizeLinear", 19),
            // until their axes attribute becomes an input (13 or 18, rewritten then), later versions only add types
            Map.entry("Unsqueeze", 11), Map.entry("Squeeze", 11), Map.entry("ReduceSum", 11),
            Map.entry("ReduceMean", 11), Map.entry("ReduceMax", 11), Map.entry("ReduceMin", 11),
            Map.entry("ReduceProd", 11), Map.entry("ReduceL1", 11), Map.entry("ReduceL2", 11),
            Map.entry("ReduceLogSum", 11), Map.entry("ReduceLogSumExp", 11), Map.entry("ReduceSumSquare", 11));
    private static final Set<String> AXES_TO_INPUT_AT_18 = Set.of("ReduceMean", "ReduceMax", "ReduceMin",
            "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare");
    private static final Set<String> LAST_AXIS_AT_13 = Set.of("Softmax", "LogSoftmax", "Hardmax");

    private final long target;

    public OpsetUpgrade(long target) {
        this.target = target;
    }

    /** Null when the model can be upgraded, else why not (naming the first node in the way). */
    public String whyNot(OnnxModel model) {
        long from = model.opset();
        if (from >= target) {
            return null;
        }
        RankInference ranks = new RankInference(model.graph());
        for (Node n : model.graph().nodes()) {
            if (!n.domain().isEmpty() || rewritable(n, from)) {
                continue;
            }
            Integer since = UNCHANGED_SINCE.get(n.opType());
            if (LAST_AXIS_AT_13.contains(n.opType()) && from < 13) {
                long axis = n.intAttribute("axis", 1);
                if (axis != -1 && axis != ranks.rank(n.input(0)).orElse(-1) - 1) {
                    return n.opType() + " node '" + n.name() + "' has axis " + axis + " over an input of "
                            + "unknown rank or not its last axis; its meaning changes at opset 13";
                }
            } else if (since == null || since > from) {
                return n.opType() + " node '" + n.name() + "' has no known-safe upgrade from opset " + from + " to "
                        + target;
            }
        }
        return null;
    }

    /** Upgrades the model in place; throws (changing nothing) when {@link #whyNot} has a reason. */
    public void apply(OnnxModel model) {
        String why = whyNot(model);
        if (why != null) {
            throw new NncjException("cannot raise the model's opset from " + model.opset() + " to " + target + ": " + why);
        }
        long from = model.opset();
        if (from >= target) {
            return;
        }
        Graph graph = model.graph();
        NameScope names = graph.nameScope();
        for (Node n : List.copyOf(graph.nodes())) {
            if (n.domain().isEmpty() && rewritable(n, from)) {
                rewrite(graph, names, n, from);
            }
        }
        model.setOpset("", target);
        if (model.irVersion() < 9) {
            model.setIrVersion(9);
        }
    }

    /** True when {@code n}'s form changes between {@code from} and {@link #target}. */
    private boolean rewritable(Node n, long from) {
        return switch (n.opType()) {
            case "Unsqueeze", "Squeeze", "ReduceSum" -> crosses(from, 13);
            case "Split" -> crosses(from, 13) || crosses(from, 18);
            default -> AXES_TO_INPUT_AT_18.contains(n.opType()) && crosses(from, 18);
        };
    }

    private boolean crosses(long from, long version) {
        return from < version && target >= version;
    }

    private void rewrite(Graph graph, NameScope names, Node n, long from) {
        if (n.is("Split")) {
            List<Long> split = n.intsAttribute("split");
            if (crosses(from, 13) && !split.isEmpty()) {
                moveToInput(graph, names, n, "split", 1);
            } else if (crosses(from, 18) && (n.inputs().size() < 2 || n.input(1).isEmpty())) {
                n.set("num_outputs", n.outputs().size());
            }
            return;
        }
        if (!n.intsAttribute("axes").isEmpty()) {
            moveToInput(graph, names, n, "axes", 1);
        }
    }

    /** Moves an ints attribute to an int64 initializer at input {@code index} (inputs before it must exist). */
    private static void moveToInput(Graph graph, NameScope names, Node n, String attr, int index) {
        long[] values = n.intsAttribute(attr).stream().mapToLong(Long::longValue).toArray();
        Tensor t = Tensor.ofLongs(names.fresh(n.name() + "_" + attr), new long[] {values.length}, values);
        graph.addInitializer(t);
        n.removeAttribute(attr);
        n.setInput(index, t.name()); // Node.setInput pads skipped optional inputs with ""
    }
}
