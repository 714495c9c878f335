package dev.nncj.quantize;

import dev.nncj.onnx.DataType;
import dev.nncj.onnx.Graph;
import dev.nncj.onnx.NameScope;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Quantizes embedding lookups: a Gather (axis 0) from a constant float table [V, H] becomes a Gather
 * from an 8-bit table with one scale per row, dequantized after the lookup, so only the B·S rows a
 * batch reads are ever widened:
 * <pre>
 * symmetric:  y = Cast(Gather(q[V,H] int8, ids)) * Gather(scale[V,1], ids)
 * asymmetric: y = Cast(Gather(q[V,H] uint8, ids)) * Gather(scale[V,1], ids) - Gather(scale·zp[V,1], ids)
 * </pre>
 * One scale per row (token) rather than per table: rows of rare tokens have a much smaller range than
 * frequent ones, and a table-wide scale leaves them a handful of levels. The scales cost 4 bytes per
 * row (0.12 MB for a 30k vocabulary).
 */
final class EmbeddingQuantizer {
    /** Tables with fewer rows (token types, segments) are left alone: nothing to save, two more ops. */
    static final int MIN_ROWS = 16;

    private EmbeddingQuantizer() {}

    /**
     * A lookup this class may quantize: a Gather from an initializer, or a Slice of leading rows from a
     * float matrix (how NNCJ's emitter reads position embeddings: rows 0..S-1).
     */
    static boolean isLookup(Graph graph, Node n) {
        if (n.is("Gather")) {
            return graph.isInitializer(n.input(0));
        }
        if (!n.is("Slice") || n.inputs().size() < 4 || n.inputs().size() > 5) {
            return false;
        }
        Optional<Tensor> table = graph.initializer(n.input(0));
        Optional<Tensor> axes = graph.constantValue(n.input(3));
        Optional<Tensor> steps = n.inputs().size() == 5 ? graph.constantValue(n.input(4)) : Optional.empty();
        return table.isPresent() && table.get().type() == DataType.FLOAT && table.get().rank() == 2
                && axes.isPresent() && axes.get().numElements() == 1 && axes.get().toLongs()[0] == 0
                && (n.inputs().size() == 4 || (steps.isPresent() && steps.get().toLongs()[0] == 1));
    }

    /** Why {@code gather} (a {@link #isLookup} node) cannot be quantized, or empty when it can. */
    static Optional<String> check(Graph graph, Node gather) {
        if (gather.is("Gather") && gather.intAttribute("axis", 0) != 0) {
            return Optional.of("Gather along axis " + gather.intAttribute("axis", 0) + ", not a row lookup");
        }
        Optional<Tensor> table = graph.initializer(gather.input(0));
        if (table.isEmpty()) {
            return Optional.of("its table is computed at run time, not an initializer");
        }
        if (table.get().type() != DataType.FLOAT || table.get().rank() != 2) {
            return Optional.of("its table is " + table.get().type().displayName() + " of rank " + table.get().rank()
                    + ", not a float matrix");
        }
        if (table.get().dim(0) < MIN_ROWS) {
            return Optional.of("table of " + table.get().dim(0) + " rows, too small to be worth quantizing");
        }
        return Optional.empty();
    }

    /** Replaces {@code gather} (which {@link #check} accepted); quantized tables are shared via {@code done}. */
    static void rewrite(Graph graph, Node gather, boolean symmetric, NameScope names, Map<String, String[]> done) {
        Tensor table = graph.initializer(gather.input(0)).orElseThrow();
        String[] q = done.computeIfAbsent(table.name(), k -> addTables(graph, table, symmetric, names));
        String base = gather.name();
        List<Node> nodes = new ArrayList<>();
        String rows = names.fresh(base + "_q");
        nodes.add(sameLookup(gather, q[0], names.fresh(base + "_q"), rows));
        String widened = names.fresh(base + "_f");
        nodes.add(Node.of(names.fresh(base + "_cast"), "Cast", List.of(rows), List.of(widened))
                .set("to", (long) DataType.FLOAT.code()));
        String rowScale = names.fresh(base + "_scale");
        nodes.add(sameLookup(gather, q[1], names.fresh(base + "_scale"), rowScale));
        String out = gather.output(0);
        if (symmetric) {
            nodes.add(Node.of(names.fresh(base + "_dequant"), "Mul", List.of(widened, rowScale), List.of(out)));
        } else {
            String scaled = names.fresh(base + "_scaled");
            nodes.add(Node.of(names.fresh(base + "_dequant"), "Mul", List.of(widened, rowScale), List.of(scaled)));
            String offset = names.fresh(base + "_offset");
            nodes.add(sameLookup(gather, q[2], names.fresh(base + "_offset"), offset));
            nodes.add(Node.of(names.fresh(base + "_shift"), "Sub", List.of(scaled, offset), List.of(out)));
        }
        graph.replaceNode(gather, nodes);
    }

    /** {@code lookup} (Gather or Slice) reading {@code table} instead, into {@code output}. */
    private static Node sameLookup(Node lookup, String table, String name, String output) {
        List<String> inputs = new ArrayList<>(lookup.inputs());
        inputs.set(0, table);
        Node copy = Node.of(name, lookup.opType(), inputs, List.of(output));
        lookup.attributes().values().forEach(copy::put);
        return copy;
    }

    private static String[] addTables(Graph graph, Tensor table, boolean symmetric, NameScope names) {
        int v = Math.toIntExact(table.dim(0));
        int h = Math.toIntExact(table.dim(1));
        float[] w = table.toFloats();
        long[] q = new long[w.length];
        float[] scales = new float[v];
        float[] offsets = new float[v];
        for (int r = 0; r < v; r++) {
            float lo = Float.POSITIVE_INFINITY;
            float hi = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < h; c++) {
                lo = Math.min(lo, w[r * h + c]);
                hi = Math.max(hi, w[r * h + c]);
            }
            if (symmetric) {
                Int8Params p = Int8Params.forMaxAbs(Math.max(Math.abs(lo), Math.abs(hi)));
                scales[r] = p.scale();
                for (int c = 0; c < h; c++) {
                    q[r * h + c] = p.quantize(w[r * h + c]);
                }
            } else {
                UInt8Params p = UInt8Params.forRange(lo, hi, false);
                scales[r] = p.scale();
                offsets[r] = p.scale() * p.zeroPoint();
                for (int c = 0; c < h; c++) {
                    q[r * h + c] = p.quantize(w[r * h + c]);
                }
            }
        }
        String base = table.name();
        String qName = names.fresh(base + "_quantized");
        graph.addInitializer(Tensor.encodeLongs(qName, symmetric ? DataType.INT8 : DataType.UINT8,
                new long[] {v, h}, q));
        String sName = names.fresh(base + "_row_scale");
        graph.addInitializer(Tensor.ofFloats(sName, new long[] {v, 1}, scales));
        String oName = null;
        if (!symmetric) {
            oName = names.fresh(base + "_row_offset");
            graph.addInitializer(Tensor.ofFloats(oName, new long[] {v, 1}, offsets));
        }
        return new String[] {qName, sName, oName};
    }
}
