package dev.nncj.sparsity;

import dev.nncj.onnx.Graph;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.NodeFilter;
import dev.nncj.onnx.Tensor;
import dev.nncj.onnx.TokenEmbedding;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the weights of a graph that sparsification may prune: the constant weight operand of MatMul,
 * Gemm and Conv when it is a floating-point initializer (8 bits or wider), and optionally the
 * token-embedding table. Biases, LayerNorm parameters and position embeddings are never selected:
 * they are a tiny share of the bytes and pruning them hurts far more than it saves.
 *
 * <p>The reduction axis is the one the weight is summed over, which is where N:M hardware wants its
 * groups: MatMul's B is [.., K, N] (axis -2), Gemm's B is [K, N] or, with transB, [N, K] (axis 1),
 * Conv's W is [O, C/group, kH, kW] (axis 1, the input channels, as NVIDIA's ASP groups them).
 */
public final class PrunableWeights {
    private PrunableWeights() {}

    public static List<PrunableWeight> find(Graph graph, NodeFilter filter, boolean includeEmbeddings) {
        Map<String, PrunableWeight> found = new LinkedHashMap<>();
        for (Node n : graph.nodes()) {
            if (!n.domain().isEmpty() || n.inputs().size() < 2 || !filter.accepts(n)) {
                continue;
            }
            String w = n.input(1);
            Optional<Tensor> t = graph.initializer(w).filter(PrunableWeights::prunableType);
            if (t.isEmpty() || found.containsKey(w)) {
                continue;
            }
            int rank = t.get().rank();
            int axis = switch (n.opType()) {
                case "MatMul" -> rank >= 2 ? rank - 2 : -2;
                case "Gemm" -> rank == 2 ? (n.intAttribute("transB", 0) == 1 ? 1 : 0) : -2;
                case "Conv" -> rank >= 3 ? 1 : -2;
                default -> -2;
            };
            if (axis >= 0) {
                found.put(w, new PrunableWeight(w, n.name(), n.opType(), axis));
            }
        }
        if (includeEmbeddings) {
            TokenEmbedding.table(graph).filter(PrunableWeights::prunableType)
                    .filter(table -> graph.isInitializer(table.name()))
                    .ifPresent(table -> {
                        Node gather = graph.consumers(table.name()).stream().filter(c -> c.is("Gather")).findFirst().orElseThrow();
                        if (filter.accepts(gather) && !found.containsKey(table.name())) {
                            found.put(table.name(), new PrunableWeight(table.name(), gather.name(), "Gather", -1));
                        }
                    });
        }
        return new ArrayList<>(found.values());
    }

    private static boolean prunableType(Tensor t) {
        return t.type().isFloatingPoint() && t.type().bits() >= 8 && t.numElements() > 0;
    }
}
