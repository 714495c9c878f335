package dev.nncj.inspect;

import dev.nncj.onnx.Graph;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.Tensor;
import dev.nncj.onnx.TokenEmbedding;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Recognizes a BERT-family encoder by its shapes: a word-embedding Gather from a graph input, one
 * Softmax (or fused attention op) per layer, head-splitting Reshapes whose target ends in
 * [heads, head_size] with heads * head_size = hidden, and H x F feed-forward projections. This is
 * a first look for {@code inspect}; it does not prove the graph computes attention.
 */
public final class EncoderShapeDetector {
    private static final Set<String> FUSED_ATTENTION = Set.of("Attention", "MultiHeadAttention", "QAttention");

    private EncoderShapeDetector() {}

    public static Optional<EncoderShape> detect(Graph graph) {
        Optional<Tensor> wordEmbeddings = TokenEmbedding.table(graph);
        if (wordEmbeddings.isEmpty()) {
            return Optional.empty();
        }
        int vocab = (int) wordEmbeddings.get().dim(0);
        int hidden = TokenEmbedding.hiddenSize(graph).orElseThrow();
        int layers = 0;
        int fusedHeads = -1;
        for (Node n : graph.nodes()) {
            if (n.is("Softmax")) {
                layers++;
            } else if (FUSED_ATTENTION.contains(n.opType()) && n.domain().equals("com.microsoft")) {
                layers++;
                fusedHeads = (int) n.intAttribute("num_heads", -1);
            }
        }
        if (layers == 0) {
            return Optional.empty();
        }
        int heads = fusedHeads > 0 ? fusedHeads : headsFromReshapes(graph, hidden);
        return Optional.of(new EncoderShape(layers, hidden, heads, heads > 0 ? hidden / heads : -1,
                ffnWidth(graph, hidden), vocab, positionRows(graph, hidden, wordEmbeddings.get())));
    }

    /** Heads from a Reshape whose constant target shape ends in [heads, hidden / heads]. */
    private static int headsFromReshapes(Graph graph, int hidden) {
        Map<Integer, Integer> votes = new HashMap<>();
        for (Node n : graph.nodes()) {
            if (!n.is("Reshape")) {
                continue;
            }
            List<Long> tail = constantShapeTail(graph, n.input(1));
            if (tail.size() == 2 && tail.get(0) > 0 && tail.get(1) > 0 && tail.get(0) * tail.get(1) == hidden) {
                votes.merge(tail.get(0).intValue(), 1, Integer::sum);
            }
        }
        return votes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(-1);
    }

    /** The last two entries of a Reshape target when they are constants (directly or via Concat). */
    private static List<Long> constantShapeTail(Graph graph, String shape) {
        Optional<Tensor> direct = graph.constantValue(shape);
        if (direct.isPresent() && direct.get().type().isInteger()) {
            long[] v = direct.get().toLongs();
            return v.length == 4 ? List.of(v[2], v[3]) : List.of();
        }
        Optional<Node> concat = graph.producer(shape).filter(p -> p.is("Concat"));
        if (concat.isEmpty() || concat.get().inputs().size() != 4) {
            return List.of();
        }
        Optional<Tensor> a = graph.constantValue(concat.get().input(2));
        Optional<Tensor> b = graph.constantValue(concat.get().input(3));
        if (a.isEmpty() || b.isEmpty() || a.get().numElements() != 1 || b.get().numElements() != 1
                || !a.get().type().isInteger() || !b.get().type().isInteger()) {
            return List.of();
        }
        return List.of(a.get().toLongs()[0], b.get().toLongs()[0]);
    }

    /** The most common F among [H, F] MatMul/Gemm/MatMulInteger weights with F != H. */
    private static int ffnWidth(Graph graph, int hidden) {
        Map<Long, Long> counts = graph.nodes().stream()
                .filter(n -> n.is("MatMul") || n.is("Gemm") || n.is("MatMulInteger"))
                .map(n -> graph.initializer(n.input(1)))
                .flatMap(Optional::stream)
                .filter(t -> t.rank() == 2 && t.dim(0) == hidden && t.dim(1) != hidden)
                .collect(Collectors.groupingBy(t -> t.dim(1), Collectors.counting()));
        return counts.entrySet().stream().max(Map.Entry.comparingByValue())
                .map(e -> e.getKey().intValue()).orElse(-1);
    }

    /** Rows of another [P, H] table gathered at run time that is not the word or type table. */
    private static int positionRows(Graph graph, int hidden, Tensor words) {
        int best = -1;
        for (Node n : graph.nodes()) {
            if (!n.is("Gather")) {
                continue;
            }
            Optional<Tensor> t = graph.initializer(n.input(0));
            if (t.isPresent() && t.get() != words && t.get().rank() == 2 && t.get().dim(1) == hidden
                    && t.get().dim(0) > 2) {
                best = Math.max(best, (int) t.get().dim(0));
            }
        }
        return best;
    }
}
