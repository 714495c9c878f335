package dev.nncj.quantize;

import dev.nncj.onnx.DataType;
import dev.nncj.onnx.Domains;
import dev.nncj.onnx.Graph;
import dev.nncj.onnx.NameScope;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.NodeFilter;
import dev.nncj.onnx.Tensor;
import dev.nncj.onnx.TokenEmbedding;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The token-embedding lookup {@code Gather(table[V,H], ids)} with each row of the table (one token)
 * block-quantized along H, so a lookup dequantizes only the rows it reads. Rows of whole blocks are
 * read with standard ops ({@link StandardOpsLookup}, faster in ONNX Runtime 1.23); a partial last
 * block needs com.microsoft {@code GatherBlockQuantized(data, ids, scales[, zero_points])}. With uint8 data the op
 * follows MatMulNBits' conventions: data [V, H*bits/8] packed low nibble first, scales float32
 * [V, ceil(H/block)], zero points uint8 packed likewise and defaulting to 2^(bits-1);
 * gather_axis 0, quantize_axis 1 (the only layout ORT's CPU kernel takes for uint8).
 */
final class EmbeddingBlockRewrite {
    private final int bits;
    private final int blockSize;
    private final boolean symmetric;
    private final boolean searchClip;

    /** {@code searchClip}: see {@link BlockQuantizedMatrix}; off only for tests of plain round-to-nearest. */
    EmbeddingBlockRewrite(int bits, int blockSize, boolean symmetric, boolean searchClip) {
        this.bits = bits;
        this.blockSize = blockSize;
        this.symmetric = symmetric;
        this.searchClip = searchClip;
    }

    /**
     * 4-bit embeddings ({@code embeddingBits} 4) in the int8 modes: whether {@code gather} reads the token table, which
     * then goes through this rewrite instead of 8-bit rows.
     */
    static boolean takesTokenTable(Graph graph, QuantizeOptions options, Node gather) {
        return options.embeddingBits() == 4 && gather.is("Gather")
                && TokenEmbedding.table(graph).map(t -> t.name().equals(gather.input(0))).orElse(false);
    }

    /** The 4-bit token-table rewrite of the int8 modes, blocks of {@code options.blockSize()}. */
    static EmbeddingBlockRewrite forInt8Modes(QuantizeOptions options) {
        return new EmbeddingBlockRewrite(4, options.blockSize(), options.symmetric(), true);
    }

    private Optional<Prepared> prepare(Graph graph, NodeFilter filter, QuantizationLog log) {
        Optional<Tensor> found = TokenEmbedding.table(graph);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        Tensor table = found.get();
        List<Node> readers = graph.consumers(table.name());
        List<Node> gathers = readers.stream().filter(n -> n.is("Gather") && n.input(0).equals(table.name())).toList();
        String why = null;
        if (table.type() != DataType.FLOAT) {
            why = "table " + table.name() + " is " + table.type().displayName() + ", not float32";
        } else if (gathers.size() != readers.size()) {
            why = "table " + table.name() + " is also read by a " + readers.stream().filter(n -> !gathers.contains(n))
                    .findFirst().orElseThrow().opType() + " (tied weights), not only by Gather";
        } else if (bits == 4 && table.dim(1) % 2 != 0) {
            why = "hidden size " + table.dim(1) + " is odd; 4-bit rows must pack into whole bytes";
        } else if (gathers.stream().anyMatch(n -> n.intAttribute("axis", 0) != 0)) {
            why = "Gather on an axis other than 0";
        } else if (gathers.stream().anyMatch(n -> !filter.accepts(n))) {
            why = "excluded by include/exclude";
        }
        if (why != null) {
            for (Node g : gathers) {
                log.keptFloat(g, why);
            }
            return Optional.empty();
        }
        int rows = Math.toIntExact(table.dim(0));
        int cols = Math.toIntExact(table.dim(1));
        boolean symmetric = this.symmetric;
        if (!symmetric && bits == 4 && !StandardOpsLookup.takes(cols, blockSize)
                && BlockQuantizedMatrix.blocksPerRow(cols, blockSize) % 2 != 0) {
            // ORT 1.23's CPU GatherBlockQuantized reads packed 4-bit zero points as one run over all
            // rows, while the op's shape check (and later ORT versions) pad each row to whole bytes: the
            // two agree only for an even block count per row (checked in BlockWeightQuantizerTest).
            symmetric = true;
            log.note("token-embedding table uses symmetric blocks: " + BlockQuantizedMatrix.blocksPerRow(cols, blockSize) + " blocks per row (odd) and"
                    + " ONNX Runtime 1.23 misreads packed 4-bit zero points then");
        }
        BlockQuantizedMatrix q = BlockQuantizedMatrix.quantize(table.toFloats(), rows, cols, bits, blockSize, symmetric, searchClip);
        return Optional.of(new Prepared(table, gathers, q));
    }

    /**
     * For fake quantization (QAT): the table becomes a Constant holding exactly what {@link #apply}
     * would store, dequantized, and the Gathers stay plain. A Constant, not an initializer, so training
     * leaves it as the export will store it (the int8 tables of the fake form are constants too).
     */
    void applyAsFloat(Graph graph, NodeFilter filter, QuantizationLog log) {
        prepare(graph, filter, log).ifPresent(p -> {
            String name = p.table().name();
            Tensor stored = Tensor.ofFloats(name, new long[] {p.q().rows(), p.q().cols()}, p.q().dequantize());
            graph.removeInitializer(name);
            graph.insertBefore(graph.nodes().get(0), Node.of(graph.nameScope().fresh(name + "_stored"), "Constant",
                    List.of(), List.of(name)).set("value", stored));
        });
    }

    /** The token table, the Gathers reading it and its quantized form; empty (and logged why) when it stays as it is. */
    private record Prepared(Tensor table, List<Node> gathers, BlockQuantizedMatrix q) {}

    void apply(Graph graph, NodeFilter filter, QuantizationLog log) {
        Optional<Prepared> prepared = prepare(graph, filter, log);
        if (prepared.isEmpty()) {
            return;
        }
        if (StandardOpsLookup.takes(prepared.get().q().cols(), blockSize)) {
            StandardOpsLookup.replace(graph, prepared.get().table(), prepared.get().gathers(), prepared.get().q(), log);
            graph.removeUnusedInitializers();
            return;
        }
        Tensor table = prepared.get().table();
        List<Node> gathers = prepared.get().gathers();
        BlockQuantizedMatrix q = prepared.get().q();
        boolean symmetric = q.symmetric();
        int rows = q.rows();
        int cols = q.cols();
        NameScope names = graph.nameScope();
        List<String> inputs = new ArrayList<>();
        Tensor data = Tensor.ofRaw(names.fresh(table.name() + "_Q" + bits), DataType.UINT8,
                new long[] {rows, (cols * bits + 7) / 8}, q.packedCodes(false));
        Tensor scales = Tensor.ofFloats(names.fresh(table.name() + "_scales"), new long[] {rows, q.blocksPerRow()},
                q.scales());
        graph.addInitializer(data);
        graph.addInitializer(scales);
        inputs.add(data.name());
        inputs.add(null); // the ids, per node
        inputs.add(scales.name());
        if (!symmetric) {
            Tensor zp = Tensor.ofRaw(names.fresh(table.name() + "_zero_points"), DataType.UINT8,
                    new long[] {rows, (q.blocksPerRow() * bits + 7) / 8}, q.packedZeroPoints());
            graph.addInitializer(zp);
            inputs.add(zp.name());
        }
        for (Node g : gathers) {
            List<String> in = new ArrayList<>(inputs);
            in.set(1, g.input(1));
            Node gbq = new Node(g.name(), "GatherBlockQuantized", Domains.MICROSOFT, in, g.outputs())
                    .set("gather_axis", 0L).set("quantize_axis", 1L).set("block_size", blockSize).set("bits", bits);
            graph.replaceNode(g, List.of(gbq));
            log.quantized(gbq);
        }
        graph.removeUnusedInitializers();
    }
}
