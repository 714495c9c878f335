package dev.nncj.quantize;

import dev.nncj.onnx.DataType;
import dev.nncj.onnx.Graph;
import dev.nncj.onnx.NameScope;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A block-quantized token table (4 or 8 bits, symmetric or not) read with standard ONNX ops instead
 * of com.microsoft GatherBlockQuantized: the stored bytes of the rows asked for are gathered and
 * decoded after the lookup,
 * <pre>
 * packed = Gather(data[V, H·bits/8] uint8, ids)               -- 4-bit: two codes a byte, low nibble first
 * codes = Reshape(unpack(packed), [N, blocks, block])        -- N = B·S; 8-bit: Cast only
 * zp = 2^(bits-1), or Reshape(unpack(Gather(zero_points, ids)), [N, blocks, 1])
 * rows = (codes - zp) * Reshape(Gather(scales[V, blocks], ids), [N, blocks, 1])
 * out = Reshape(rows, Concat(Shape(ids), [H]))
 * unpack(p) = Concat(p - 16·(p / 16), p / 16) in int32      -- low then high nibble of each byte
 * </pre>
 * The data is gathered first, so {@link dev.nncj.onnx.TokenEmbedding} finds it as the table, and
 * recognizes a 4-bit one by the Cast to int32 and the Div by 16 that read it.
 * Why: ONNX Runtime 1.23's CPU GatherBlockQuantized decodes element by element with 64-bit divisions
 * (measured here: 1.18 ms for 128 rows of 384, whatever the block size, 14% of a pruned 3-layer
 * MiniLM's run), while these ops touch each of the B·S·H values a few times (tens of microseconds).
 * The arithmetic is the same, (q - zp)·scale in float, so the rows are identical.
 */
final class StandardOpsLookup {
    private StandardOpsLookup() {}

    /** Rows of whole blocks: the layout these ops decode (GatherBlockQuantized takes a partial last block). */
    static boolean takes(int cols, int blockSize) {
        return cols % blockSize == 0 && blockSize % 2 == 0;
    }

    static void replace(Graph graph, Tensor table, List<Node> gathers, BlockQuantizedMatrix q, QuantizationLog log) {
        NameScope names = graph.nameScope();
        int cols = q.cols();
        int blocks = q.blocksPerRow();
        int bits = q.bits();
        String base = table.name();
        String data = add(graph, Tensor.ofRaw(names.fresh(base + "_Q" + bits), DataType.UINT8,
                new long[] {q.rows(), cols * bits / 8}, q.packedCodes(false)));
        String zeroPoints = q.symmetric() ? null : add(graph, Tensor.ofRaw(names.fresh(base + "_zero_points"),
                DataType.UINT8, new long[] {q.rows(), (blocks * bits + 7) / 8}, q.packedZeroPoints()));
        String scales = add(graph, Tensor.ofFloats(names.fresh(base + "_scales"), new long[] {q.rows(), blocks}, q.scales()));
        String symmetricZero = q.symmetric() ? add(graph, Tensor.ofFloats(names.fresh(base + "_zero_point"),
                new long[0], 1 << (bits - 1))) : null;
        Constants c = new Constants(graph, base);
        String blocked = c.longs(-1, blocks, q.blockSize());
        String perBlock = c.longs(-1, blocks, 1);
        for (Node g : gathers) {
            Ops o = new Ops(names, g.name());
            String ids = g.input(1); // gathered as they come: the table stays recognizable (TokenEmbedding)
            String packed = o.op("Gather", data, ids);
            String codes = o.reshape(o.cast(bits == 8 ? packed : unpack(o, c, packed, cols / 2), DataType.FLOAT), blocked);
            String zp = symmetricZero != null ? symmetricZero
                    : o.reshape(o.cast(zeroPointsOf(o, c, o.op("Gather", zeroPoints, ids), bits, blocks), DataType.FLOAT),
                            perBlock);
            String rowScales = o.reshape(o.op("Gather", scales, ids), perBlock);
            String rows = o.op("Mul", o.op("Sub", codes, zp), rowScales);
            String shape = o.concat(0, o.op("Shape", ids), c.longs(cols));
            o.nodes.add(Node.of(g.name(), "Reshape", List.of(rows, shape), g.outputs()));
            graph.replaceNode(g, o.nodes);
            log.quantized(g);
        }
    }

    /**
     * The gathered zero points, one per block in order (8 bits: as stored); a 4-bit row of an odd
     * block count ends in a padding nibble, sliced off.
     */
    private static String zeroPointsOf(Ops o, Constants c, String packed, int bits, int blocks) {
        if (bits == 8) {
            return packed;
        }
        int bytes = (blocks + 1) / 2;
        String nibbles = unpack(o, c, packed, bytes);
        if (blocks % 2 == 0) {
            return nibbles;
        }
        return o.op("Slice", o.reshape(nibbles, c.longs(-1, 2L * bytes)), c.longs(0), c.longs(blocks), c.longs(1));
    }

    /** [..., bytes] uint8 → [N, bytes, 2] int32: the low and then the high nibble of each byte. */
    private static String unpack(Ops o, Constants c, String packed, int bytes) {
        String wide = o.cast(packed, DataType.INT32);
        String sixteen = c.sixteen();
        String hi = o.op("Div", wide, sixteen);
        String lo = o.op("Sub", wide, o.op("Mul", hi, sixteen));
        String column = c.longs(-1, bytes, 1);
        return o.concat(2, o.reshape(lo, column), o.reshape(hi, column));
    }

    private static String add(Graph graph, Tensor t) {
        graph.addInitializer(t);
        return t.name();
    }

    /** Small constant initializers the replaced Gathers share, each stored once. */
    private static final class Constants {
        private final Graph graph;
        private final String base;
        private final Map<String, String> stored = new HashMap<>();

        Constants(Graph graph, String base) {
            this.graph = graph;
            this.base = base;
        }

        /** An int64 vector (a shape, or Slice's starts, ends and axes). */
        String longs(long... values) {
            return stored.computeIfAbsent(Arrays.toString(values), k -> add(graph,
                    Tensor.ofLongs(graph.nameScope().fresh(base + "_const"), new long[] {values.length}, values)));
        }

        String sixteen() {
            return stored.computeIfAbsent("16", k -> add(graph,
                    Tensor.ofInts(graph.nameScope().fresh(base + "_16"), new long[0], 16)));
        }
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

        String reshape(String input, String shape) {
            return op("Reshape", input, shape);
        }

        String concat(long axis, String... inputs) {
            String out = names.fresh(prefix + "_concat");
            nodes.add(Node.of(out, "Concat", List.of(inputs), List.of(out)).set("axis", axis));
            return out;
        }

        String cast(String input, DataType to) {
            String out = names.fresh(prefix + "_cast");
            nodes.add(Node.of(out, "Cast", List.of(input), List.of(out)).set("to", (long) to.code()));
            return out;
        }
    }
}
