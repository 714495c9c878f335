package dev.nncj.onnx;

import java.util.Optional;

/**
 * Finds a text model's token-embedding table: the initializer that a Gather indexes with an integer
 * graph input (input_ids), either directly or through DequantizeLinear when the table is quantized
 * (or the Cast that widens a float16 one).
 * Its rows are the vocabulary the model accepts, its columns the hidden size. A table quantized
 * block-wise for com.microsoft GatherBlockQuantized is found too; its uint8 data packs
 * {@code 8 / bits} columns per byte, so only its rows are the logical size (likewise a 4-bit table
 * unpacked with standard ops). A clustered table
 * (uint8 indices into a codebook) is found by its indices, which have the table's shape.
 */
public final class TokenEmbedding {
    private TokenEmbedding() {}

    /** The largest such table (models with several id inputs embed words in the biggest one). */
    public static Optional<Tensor> table(Graph graph) {
        Tensor best = null;
        for (Node n : graph.nodes()) {
            boolean blockQuantized = n.opType().equals("GatherBlockQuantized") && n.domain().equals("com.microsoft");
            if (!(n.is("Gather") || blockQuantized) || !graph.isGraphInput(n.input(1))) {
                continue;
            }
            Optional<Tensor> table = graph.initializer(n.input(0)).or(() -> graph.producer(n.input(0))
                    .filter(p -> p.opType().equals("DequantizeLinear") || p.is("Cast"))
                    .flatMap(p -> graph.initializer(p.input(0)))).or(() -> clusteredTable(graph, n.input(0)));
            if (table.isPresent() && table.get().rank() == 2 && (best == null || table.get().dim(0) > best.dim(0))) {
                best = table.get();
            }
        }
        return Optional.ofNullable(best);
    }

    /**
     * A clustered table (dev.nncj.cluster.CodebookWeight: Gather(codebook, Cast(indices))): its
     * uint8 indices have the table's shape.
     */
    private static Optional<Tensor> clusteredTable(Graph graph, String value) {
        return graph.producer(value).filter(p -> p.is("Gather"))
                .flatMap(p -> graph.producer(p.input(1))).filter(c -> c.is("Cast"))
                .flatMap(c -> graph.initializer(c.input(0))).filter(t -> t.type() == DataType.UINT8);
    }

    /**
     * Columns of {@link #table} as the model sees them: the hidden size. A GatherBlockQuantized table
     * packs {@code 8 / bits} columns in each uint8 (bits defaults to 4, as in the op).
     */
    public static Optional<Integer> hiddenSize(Graph graph) {
        return table(graph).map(t -> {
            long packing = graph.consumers(t.name()).stream()
                    .filter(n -> n.opType().equals("GatherBlockQuantized") && n.domain().equals("com.microsoft")
                            && t.type() == DataType.UINT8)
                    .findFirst().map(n -> 8 / n.intAttribute("bits", 4)).orElse(unpackedNibbles(graph, t) ? 2L : 1L);
            return Math.toIntExact(t.dim(1) * packing);
        });
    }

    /**
     * A uint8 table whose gathered bytes are split into two 4-bit codes with standard ops
     * (dev.nncj.quantize.StandardOpsLookup: Cast to int32, then Div by 16).
     */
    private static boolean unpackedNibbles(Graph graph, Tensor t) {
        if (t.type() != DataType.UINT8) {
            return false;
        }
        return graph.consumers(t.name()).stream().filter(n -> n.is("Gather"))
                .flatMap(g -> graph.consumers(g.output(0)).stream())
                .filter(c -> c.is("Cast") && c.intAttribute("to", 0) == DataType.INT32.code())
                .flatMap(c -> graph.consumers(c.output(0)).stream())
                .anyMatch(d -> d.is("Div"));
    }

    /**
     * Rows of {@link #table}: the number of token ids the model can embed. A table stored as an ONNX
     * sparse_initializer (a pruned model) counts too, by the dense shape in its proto: otherwise a
     * pruned word table would hide behind the 2-row token-type table.
     */
    public static Optional<Integer> vocabularySize(Graph graph) {
        long best = table(graph).map(t -> t.dim(0)).orElse(-1L);
        for (Node n : graph.nodes()) {
            if (!n.is("Gather") || !graph.isGraphInput(n.input(1))) {
                continue;
            }
            for (var sparse : graph.sparseInitializers()) {
                if (sparse.getValues().getName().equals(n.input(0)) && sparse.getDimsCount() == 2) {
                    best = Math.max(best, sparse.getDims(0));
                }
            }
        }
        return best < 0 ? Optional.empty() : Optional.of(Math.toIntExact(best));
    }
}
