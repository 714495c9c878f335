package dev.nncj.cluster;

import dev.nncj.onnx.DataType;
import dev.nncj.onnx.Graph;
import dev.nncj.onnx.NameScope;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.Tensor;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A weight stored as a codebook and one index per element, rebuilt in the graph:
 *
 * <pre>
 * Constant [0.0] ──┐
 * W.codebook [K] ──┴─ Concat ─ table [K+1] ─┐
 * W.indices uint8 [shape] ─ Cast(int32) ────┴─ Gather ─ W
 * </pre>
 * Index 0 reads the constant 0: a pruned weight is exactly zero, not a centroid, and it stays zero
 * when the codebook is trained (a Constant node is never a trainable parameter). Index j reads
 * centroid j - 1. Every op's input is constant, so ONNX Runtime folds the whole chain into a dense
 * float initializer when the session loads: latency and memory equal float32's. This is a storage
 * form; the {@code .nncj} container then Huffman-codes the indices.
 *
 * @param weight the value the Gather produces (the original initializer's name; its consumers are unchanged)
 * @param codebook the float initializer of centroids (without the zero)
 * @param indices the uint8 initializer of indices
 */
public record CodebookWeight(String weight, String codebook, String indices) {
    /** Largest K: indices are uint8 and 0 is the pruned zero. */
    public static final int MAX_CLUSTERS = 255;

    /**
     * Replaces initializer {@code name} by its clustered form.
     *
     * @param centroids K centroids
     * @param indices one per element: 0 for a pruned zero, j + 1 for centroid j
     */
    public static CodebookWeight replace(Graph graph, String name, float[] centroids, byte[] indices) {
        Tensor original = graph.initializer(name).orElseThrow();
        if (centroids.length > MAX_CLUSTERS) {
            throw new IllegalArgumentException(centroids.length + " centroids; at most " + MAX_CLUSTERS);
        }
        NameScope names = graph.nameScope();
        String codebook = names.fresh(name + ".codebook");
        String indexName = names.fresh(name + ".indices");
        String zero = names.fresh(name + ".zero");
        String table = names.fresh(name + ".table");
        String wide = names.fresh(name + ".indices_int32");
        graph.removeInitializer(name);
        graph.addInitializer(Tensor.ofFloats(codebook, new long[] {centroids.length}, centroids));
        graph.addInitializer(Tensor.ofRaw(indexName, DataType.UINT8, original.shape(), ByteBuffer.wrap(indices)));
        Node constant = new Node(names.fresh(name + ".zero_node"), "Constant", "", List.of(), List.of(zero));
        constant.set("value", Tensor.ofFloats("zero", new long[] {1}, 0f));
        Node concat = new Node(names.fresh(name + ".concat"), "Concat", "", List.of(zero, codebook), List.of(table));
        concat.set("axis", 0L);
        Node cast = new Node(names.fresh(name + ".cast"), "Cast", "", List.of(indexName), List.of(wide));
        cast.set("to", (long) DataType.INT32.code());
        Node gather = new Node(names.fresh(name + ".gather"), "Gather", "", List.of(table, wide), List.of(name));
        gather.set("axis", 0L);
        for (Node n : List.of(constant, concat, cast, gather)) {
            graph.addNode(n);
        }
        graph.sortTopologically();
        return new CodebookWeight(name, codebook, indexName);
    }

    /** Every clustered weight of {@code graph}, recognised by the structure {@link #replace} writes. */
    public static List<CodebookWeight> find(Graph graph) {
        List<CodebookWeight> found = new ArrayList<>();
        for (Node gather : graph.nodes()) {
            if (gather.is("Gather") && gather.domain().isEmpty()) {
                match(graph, gather).ifPresent(found::add);
            }
        }
        return found;
    }

    private static Optional<CodebookWeight> match(Graph graph, Node gather) {
        Optional<Node> concat = graph.producer(gather.input(0)).filter(n -> n.is("Concat") && n.inputs().size() == 2);
        Optional<Node> cast = graph.producer(gather.input(1)).filter(n -> n.is("Cast"));
        if (concat.isEmpty() || cast.isEmpty()) {
            return Optional.empty();
        }
        String codebook = concat.get().input(1);
        String indices = cast.get().input(0);
        boolean zeroFirst = graph.constantValue(concat.get().input(0))
                .filter(t -> t.numElements() == 1 && t.toFloats()[0] == 0f).isPresent();
        boolean floatCodebook = graph.initializer(codebook).filter(t -> t.type() == DataType.FLOAT).isPresent();
        boolean byteIndices = graph.initializer(indices).filter(t -> t.type() == DataType.UINT8).isPresent();
        return zeroFirst && floatCodebook && byteIndices
                ? Optional.of(new CodebookWeight(gather.output(0), codebook, indices)) : Optional.empty();
    }

    /** The dense weight this form rebuilds (what ONNX Runtime computes when it folds the chain). */
    public float[] dense(Graph graph) {
        float[] c = graph.initializer(codebook).orElseThrow().toFloats();
        ByteBuffer idx = graph.initializer(indices).orElseThrow().rawData();
        float[] w = new float[idx.remaining()];
        for (int i = 0; i < w.length; i++) {
            int j = idx.get(idx.position() + i) & 0xff;
            w[i] = j == 0 ? 0f : c[j - 1];
        }
        return w;
    }
}
