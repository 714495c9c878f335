package dev.nncj.quantize;

import dev.nncj.onnx.DataType;
import dev.nncj.onnx.Graph;
import dev.nncj.onnx.NameScope;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * A 4-bit symmetric token table read with standard ONNX ops instead of com.microsoft
 * GatherBlockQuantized: the packed rows are gathered as bytes and unpacked after the lookup,
 * <pre>
 * packed = Gather(data[V, H/2] uint8, ids)               -- two codes a byte, low nibble first
 * hi = packed / 16, lo = packed - 16 hi                  -- in int32
 * codes = Reshape(Concat(lo, hi), [N, blocks, block])    -- back in element order, N = B·S
 * rows = (codes - 8) * Gather(scales[V, blocks], ids)    -- the zero point of a symmetric block is 8
 * out = Reshape(rows, Concat(Shape(ids), [H]))
 * </pre>
 * {@link dev.nncj.onnx.TokenEmbedding} recognizes the packed table by the Cast to int32 and the
 * Div by 16 that read it.
 * Why: ONNX Runtime 1.23's CPU GatherBlockQuantized decodes element by element with 64-bit divisions
 * (measured here: 1.18 ms for 128 rows of 384, whatever the block size, 14% of a pruned 3-layer
 * MiniLM's run), while these ops touch each of the B·S·H values a few times (tens of microseconds).
 * The arithmetic is the same, (q - 8)·scale in float, so the rows are identical.
 */
final class StandardOpsLookup {
    private StandardOpsLookup() {}

    /** Symmetric 4-bit rows of whole blocks: the layout this form unpacks. */
    static boolean takes(BlockQuantizedMatrix q) {
        return q.bits() == 4 && q.symmetric() && q.cols() % q.blockSize() == 0 && q.cols() % 2 == 0;
    }

    static void replace(Graph graph, Tensor table, List<Node> gathers, BlockQuantizedMatrix q, QuantizationLog log) {
        NameScope names = graph.nameScope();
        int cols = q.cols();
        int blocks = q.blocksPerRow();
        String base = table.name();
        String data = add(graph, Tensor.ofRaw(names.fresh(base + "_Q4"), DataType.UINT8, new long[] {q.rows(), cols / 2},
                q.packedCodes(false)));
        String scales = add(graph, Tensor.ofFloats(names.fresh(base + "_scales"), new long[] {q.rows(), blocks}, q.scales()));
        String sixteen = add(graph, Tensor.ofInts(names.fresh(base + "_16"), new long[0], 16));
        String eight = add(graph, Tensor.ofFloats(names.fresh(base + "_zero_point"), new long[0], 8f));
        String half = add(graph, Tensor.ofLongs(names.fresh(base + "_half"), new long[] {3}, -1, cols / 2, 1));
        String blocked = add(graph, Tensor.ofLongs(names.fresh(base + "_blocked"), new long[] {3}, -1, blocks, q.blockSize()));
        String perBlock = add(graph, Tensor.ofLongs(names.fresh(base + "_per_block"), new long[] {3}, -1, blocks, 1));
        String width = add(graph, Tensor.ofLongs(names.fresh(base + "_width"), new long[] {1}, cols));
        for (Node g : gathers) {
            Ops o = new Ops(names, g.name());
            String ids = g.input(1); // gathered as they come: the table stays recognizable (TokenEmbedding)
            String wide = o.cast(o.op("Gather", data, ids), DataType.INT32);
            String hi = o.op("Div", wide, sixteen);
            String lo = o.op("Sub", wide, o.op("Mul", hi, sixteen));
            Node pairs = new Node(names.fresh(g.name() + "_pairs"), "Concat", "",
                    List.of(o.op("Reshape", lo, half), o.op("Reshape", hi, half)), List.of(names.fresh(g.name() + "_pairs")))
                    .set("axis", 2L);
            o.nodes.add(pairs);
            String codes = o.cast(o.op("Reshape", pairs.output(0), blocked), DataType.FLOAT);
            String rowScales = o.op("Reshape", o.op("Gather", scales, ids), perBlock);
            String rows = o.op("Mul", o.op("Sub", codes, eight), rowScales);
            Node shape = new Node(names.fresh(g.name() + "_shape"), "Concat", "",
                    List.of(o.op("Shape", g.input(1)), width), List.of(names.fresh(g.name() + "_shape"))).set("axis", 0L);
            o.nodes.add(shape);
            o.nodes.add(Node.of(g.name(), "Reshape", List.of(rows, shape.output(0)), g.outputs()));
            graph.replaceNode(g, o.nodes);
            log.quantized(g);
        }
    }

    private static String add(Graph graph, Tensor t) {
        graph.addInitializer(t);
        return t.name();
    }

    /** The nodes replacing one Gather, named after it. */
    private static final class Ops {
        final NameScope names;
        final String prefix;
        final List<Node> nodes = new ArrayList<>();

        Ops(NameScope names, String prefix) {
            this.names = names;
            this.prefix = prefix;
        }

        String op(String type, String... inputs) {
            String out = names.fresh(prefix + "_" + type.toLowerCase(java.util.Locale.ROOT));
            nodes.add(Node.of(out, type, List.of(inputs), List.of(out)));
            return out;
        }

        String cast(String input, DataType to) {
            String out = names.fresh(prefix + "_cast");
            nodes.add(Node.of(out, "Cast", List.of(input), List.of(out)).set("to", (long) to.code()));
            return out;
        }
    }
}
