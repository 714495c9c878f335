package dev.nncj.lowrank;

import dev.nncj.onnx.DataType;
import dev.nncj.onnx.Graph;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the MatMul/Gemm weights a {@link RankPlan} selects: the second input of a default-domain
 * MatMul or Gemm that the filter accepts and a rank rule covers, when that input is an initializer.
 * A selected weight that cannot be factorized is reported with the reason instead (not float32, not
 * a matrix, read by something other than a product, a Gemm that transposes its input, a graph input).
 */
final class FactorizableWeights {
    private FactorizableWeights() {}

    record Found(List<Candidate> candidates, List<SkippedWeight> skipped, boolean anyWeight) {}

    static Found find(Graph graph, FactorizeOptions options) {
        Map<String, Node> firstUse = new LinkedHashMap<>();
        boolean anyWeight = false;
        for (Node n : graph.nodes()) {
            if (isProduct(n) && graph.isInitializer(n.input(1))) {
                anyWeight = true;
                if (options.filter().accepts(n) && options.ranks().ruleFor(n).isPresent()) {
                    firstUse.putIfAbsent(n.input(1), n);
                }
            }
        }
        List<Candidate> candidates = new ArrayList<>();
        List<SkippedWeight> skipped = new ArrayList<>();
        for (Map.Entry<String, Node> e : firstUse.entrySet()) {
            Tensor w = graph.initializer(e.getKey()).orElseThrow();
            Node first = e.getValue();
            List<Node> users = graph.consumers(e.getKey());
            Optional<String> reason = refusal(graph, w, users, options);
            if (reason.isPresent()) {
                skipped.add(new SkippedWeight(w.name(), first.name(), reason.get()));
            } else {
                candidates.add(new Candidate(w, users, options.ranks().ruleFor(first).orElseThrow()));
            }
        }
        return new Found(candidates, skipped, anyWeight);
    }

    static boolean isProduct(Node n) {
        return n.domain().isEmpty() && (n.is("MatMul") || n.is("Gemm")) && n.inputs().size() >= 2;
    }

    private static Optional<String> refusal(Graph graph, Tensor w, List<Node> users, FactorizeOptions options) {
        if (w.type() != DataType.FLOAT) {
            return Optional.of("weight is " + w.type().displayName() + ", not float32");
        }
        if (w.rank() != 2) {
            return Optional.of("weight has rank " + w.rank() + ", not 2 (a batched weight)");
        }
        if (graph.isGraphInput(w.name())) {
            return Optional.of("weight is also a graph input, which callers may override");
        }
        Node first = users.get(0);
        for (Node u : users) {
            if (!isProduct(u) || !u.input(1).equals(w.name()) || u.inputs().indexOf(w.name()) != 1) {
                return Optional.of("weight is also read by " + u.opType() + " '" + u.name() + "', not as a product's weight");
            }
            if (!options.filter().accepts(u)) {
                return Optional.of("weight is shared with '" + u.name() + "', which include/exclude leave out");
            }
            if (u.is("Gemm") && u.intAttribute("transA", 0) == 1) {
                return Optional.of("Gemm '" + u.name() + "' transposes its input (transA = 1)");
            }
            if (!u.opType().equals(first.opType()) || u.intAttribute("transB", 0) != first.intAttribute("transB", 0)) {
                return Optional.of("weight is read in two layouts, by " + first.opType() + " '" + first.name() + "' and "
                        + u.opType() + " '" + u.name() + "'");
            }
        }
        return Optional.empty();
    }
}
