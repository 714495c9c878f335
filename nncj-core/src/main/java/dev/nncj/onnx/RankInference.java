package dev.nncj.onnx;

import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The rank of a value, when a short walk up its producers proves it: graph inputs and value_info
 * with a shape, initializers and Constants, Transpose (its perm), Unsqueeze (+ its axes), Reshape to
 * a constant shape, Gather (data rank - 1 + indices rank), Reduce ops (keepdims or
 * minus their axes attribute), MatMul, broadcasting elementwise ops (the largest input rank) and shape-keeping
 * unary ops. Anything else is unknown; callers then make no assumption.
 */
final class RankInference {
    private static final Set<String> ELEMENTWISE = Set.of("Add", "Sub", "Mul", "Div", "Pow", "Where", "Max", "Min",
            "Sum", "Mean", "Equal", "Less", "Greater", "And", "Or");
    private static final Set<String> SAME_RANK = Set.of("Cast", "Relu", "Sigmoid", "Tanh", "Erf", "Sqrt", "Exp", "Log",
            "Neg", "Abs", "Reciprocal", "Softmax", "LogSoftmax", "Identity", "Dropout", "Not", "Clip", "Gelu",
            "LayerNormalization");

    private final Graph graph;
    private final Map<String, OptionalInt> memo = new HashMap<>();

    RankInference(Graph graph) {
        this.graph = graph;
    }

    OptionalInt rank(String value) {
        OptionalInt known = memo.get(value);
        if (known != null) {
            return known;
        }
        memo.put(value, OptionalInt.empty()); // a cycle (impossible in a valid graph) ends as unknown
        OptionalInt r = infer(value);
        memo.put(value, r);
        return r;
    }

    private OptionalInt infer(String value) {
        var constant = graph.constantValue(value);
        if (constant.isPresent()) {
            return OptionalInt.of(constant.get().rank());
        }
        OptionalInt declared = declared(value);
        if (declared.isPresent()) {
            return declared;
        }
        Node p = graph.producer(value).orElse(null);
        if (p == null || !p.domain().isEmpty()) {
            return OptionalInt.empty();
        }
        String op = p.opType();
        if (op.equals("Transpose") && !p.intsAttribute("perm").isEmpty()) {
            return OptionalInt.of(p.intsAttribute("perm").size());
        }
        if (op.equals("Unsqueeze")) {
            int added = p.intsAttribute("axes").size();
            if (added == 0 && p.inputs().size() > 1) {
                added = graph.constantValue(p.input(1)).map(t -> (int) t.numElements()).orElse(-1);
            }
            OptionalInt in = rank(p.input(0));
            return added < 0 || in.isEmpty() ? OptionalInt.empty() : OptionalInt.of(in.getAsInt() + added);
        }
        if (op.equals("Reshape")) {
            return graph.constantValue(p.input(1)).map(t -> OptionalInt.of((int) t.numElements()))
                    .orElseGet(() -> concatLength(p.input(1)));
        }
        if (op.startsWith("Reduce")) {
            OptionalInt in = rank(p.input(0));
            if (in.isEmpty() || p.intAttribute("keepdims", 1) == 1) {
                return in;
            }
            int axes = p.intsAttribute("axes").size();
            return axes == 0 ? OptionalInt.empty() : OptionalInt.of(in.getAsInt() - axes);
        }
        if (op.equals("Gather")) {
            OptionalInt data = rank(p.input(0));
            OptionalInt indices = rank(p.input(1));
            return data.isPresent() && indices.isPresent()
                    ? OptionalInt.of(data.getAsInt() - 1 + indices.getAsInt()) : OptionalInt.empty();
        }
        if (op.equals("MatMul")) {
            OptionalInt a = rank(p.input(0));
            OptionalInt b = rank(p.input(1));
            return a.isPresent() && b.isPresent() && a.getAsInt() >= 2 && b.getAsInt() >= 2
                    ? OptionalInt.of(Math.max(a.getAsInt(), b.getAsInt())) : OptionalInt.empty();
        }
        if (ELEMENTWISE.contains(op)) {
            int max = 0;
            for (String in : p.inputs()) {
                OptionalInt r = rank(in);
                if (r.isEmpty()) {
                    return OptionalInt.empty();
                }
                max = Math.max(max, r.getAsInt());
            }
            return OptionalInt.of(max);
        }
        if (SAME_RANK.contains(op)) {
            return rank(p.input(0));
        }
        return OptionalInt.empty();
    }

    /** The length of a shape built by Concat from one-element pieces (Unsqueezed scalars, constants). */
    private OptionalInt concatLength(String shape) {
        Node c = graph.producer(shape).filter(n -> n.is("Concat")).orElse(null);
        if (c == null) {
            return OptionalInt.empty();
        }
        int length = 0;
        for (String in : c.inputs()) {
            var constant = graph.constantValue(in);
            boolean unsqueezedScalar = graph.producer(in).filter(n -> n.is("Unsqueeze")).isPresent()
                    && rank(in).orElse(-1) == 1;
            if (constant.isPresent() && constant.get().rank() == 1) {
                length += (int) constant.get().numElements();
            } else if (unsqueezedScalar) {
                length += 1; // a rank-1 Unsqueeze output of a scalar holds one element
            } else {
                return OptionalInt.empty();
            }
        }
        return OptionalInt.of(length);
    }

    private OptionalInt declared(String value) {
        ValueInfoProto info = graph.valueInfo().get(value);
        if (info == null) {
            info = find(graph.inputs(), value);
        }
        if (info == null) {
            info = find(graph.outputs(), value);
        }
        if (info == null || !info.getType().hasTensorType() || !info.getType().getTensorType().hasShape()) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(info.getType().getTensorType().getShape().getDimCount());
    }

    private static ValueInfoProto find(List<ValueInfoProto> infos, String value) {
        return infos.stream().filter(v -> v.getName().equals(value)).findFirst().orElse(null);
    }
}
