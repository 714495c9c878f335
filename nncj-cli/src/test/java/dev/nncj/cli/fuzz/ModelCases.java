package dev.nncj.cli.fuzz;

import static dev.nncj.cli.fuzz.ProtoEdits.pick;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Mutations of a valid ONNX model, each deciding from the command it picks whether the result must
 * be refused: a malformed tensor always, a graph ONNX Runtime cannot load only by commands that run
 * the model or write one that must run ({@code inspect} may report such a graph).
 */
final class ModelCases {
    private ModelCases() {}

    static FuzzCase truncate(CaseContext c) {
        BaseModel base = c.base();
        byte[] bytes = base.proto().toByteArray();
        int cut = c.random.nextInt(bytes.length);
        byte[] cutBytes = Arrays.copyOf(bytes, cut);
        CliCommand cmd = c.command(base, c.writeModel(base, cutBytes));
        return c.done(base + " model cut to " + cut + " of " + bytes.length + " bytes", Expectation.byParse(cutBytes), cmd);
    }

    /** Random bytes anywhere: a flip inside a weight or a name often leaves a parseable model, which may then succeed. */
    static FuzzCase flipBytes(CaseContext c) {
        BaseModel base = c.base();
        byte[] bytes = base.proto().toByteArray();
        int flips = 1 + c.random.nextInt(4);
        List<String> what = new ArrayList<>();
        for (int i = 0; i < flips; i++) {
            int at = c.random.nextInt(bytes.length);
            int mask = 1 + c.random.nextInt(255);
            bytes[at] ^= (byte) mask;
            what.add(String.format("byte %d ^= 0x%02x", at, mask));
        }
        CliCommand cmd = c.command(base, c.writeModel(base, bytes));
        return c.done(base + " model, " + String.join(", ", what), Expectation.byParse(bytes), cmd);
    }

    /**
     * One bit of one float weight, half the time the exponent's top bit (which turns values in
     * [1, 2) into Inf or NaN). A finite result is a valid model; a non-finite one in a weight a
     * compression method reads must be refused by that method.
     */
    static FuzzCase flipWeight(CaseContext c) {
        BaseModel base = c.base();
        ModelProto p = base.proto();
        GraphProto g = p.getGraph();
        int ti = pick(c.random, ProtoEdits.floatInitializers(g, 1));
        TensorProto t = g.getInitializer(ti);
        int element = c.random.nextInt((int) ProtoEdits.elements(t));
        int bit = c.random.nextBoolean() ? 30 : c.random.nextInt(32);
        float before = ProtoEdits.getFloat(t, element);
        float after = Float.intBitsToFloat(Float.floatToRawIntBits(before) ^ (1 << bit));
        ModelProto mutated = p.toBuilder().setGraph(g.toBuilder().setInitializer(ti, ProtoEdits.withFloat(t, element, after))).build();
        CliCommand cmd = c.command(base, c.writeModel(base, mutated.toByteArray()));
        boolean refuse = !Float.isFinite(after) && ProtoEdits.methodWeights(g, base == BaseModel.CLASSIFIER).contains(ti);
        return c.done(String.format("%s model, bit %d of %s[%d]: %s -> %s%s", base, bit, t.getName(), element, before, after,
                refuse ? " (a weight the method reads)" : ""), Expectation.rejectIf(refuse && cmd.role() == CliCommand.Role.COMPRESSES), cmd);
    }

    /** NaN, +Inf or -Inf at 1 to 3 places of a weight a compression method reads. */
    static FuzzCase nonFinite(CaseContext c) {
        BaseModel base = c.base();
        ModelProto p = base.proto();
        GraphProto.Builder g = p.getGraph().toBuilder();
        int ti = pick(c.random, ProtoEdits.methodWeights(p.getGraph(), base == BaseModel.CLASSIFIER));
        TensorProto t = g.getInitializer(ti);
        float value = pick(c.random, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY);
        int places = 1 + c.random.nextInt(3);
        List<Integer> at = new ArrayList<>();
        for (int i = 0; i < places; i++) {
            int e = c.random.nextInt((int) ProtoEdits.elements(t));
            t = ProtoEdits.withFloat(t, e, value);
            at.add(e);
        }
        g.setInitializer(ti, t);
        CliCommand cmd = c.command(base, c.writeModel(base, p.toBuilder().setGraph(g).build().toByteArray()));
        return c.done(base + " model, " + value + " in " + t.getName() + " at " + at,
                Expectation.rejectIf(cmd.role() == CliCommand.Role.COMPRESSES), cmd);
    }

    private static final int[] TYPE_CODES = {0, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 16, 17, 21, 22, 999, -1};

    /** An initializer's data_type replaced, raw_data kept. */
    static FuzzCase wrongType(CaseContext c) {
        BaseModel base = c.base();
        ModelProto p = base.proto();
        GraphProto.Builder g = p.getGraph().toBuilder();
        int ti = pick(c.random, ProtoEdits.usedInitializers(p.getGraph()));
        TensorProto t = g.getInitializer(ti);
        int code;
        do {
            code = TYPE_CODES[c.random.nextInt(TYPE_CODES.length)];
        } while (code == t.getDataType());
        g.setInitializer(ti, t.toBuilder().setDataType(code));
        int width = byteWidth(code);
        boolean sameBytes = width > 0 && width * ProtoEdits.elements(t) == t.getRawData().size();
        CliCommand cmd = c.command(base, c.writeModel(base, p.toBuilder().setGraph(g).build().toByteArray()));
        // same byte count: a well-formed tensor of the wrong type for its node, which only running reveals
        return c.done(base + " model, " + t.getName() + " data_type " + t.getDataType() + " -> " + code
                + (sameBytes ? " (same byte count)" : ""), sameBytes ? Expectation.rejectIf(cmd.needsRunnableModel()) : Expectation.REJECT, cmd);
    }

    /** Bytes per element of a fixed-width ONNX type; 0 for strings, 4-bit and unknown codes. */
    private static int byteWidth(int code) {
        return switch (code) {
            case 2, 3, 9, 17, 18, 19, 20 -> 1;
            case 4, 5, 10, 16 -> 2;
            case 1, 6, 12 -> 4;
            case 7, 11, 13 -> 8;
            default -> 0;
        };
    }

    /** Negative, zero, overflowing, huge or miscounted dims on an initializer whose bytes stay as they were. */
    static FuzzCase badDims(CaseContext c) {
        BaseModel base = c.base();
        ModelProto p = base.proto();
        GraphProto.Builder g = p.getGraph().toBuilder();
        int ti = pick(c.random, ProtoEdits.usedInitializers(p.getGraph()));
        TensorProto t = g.getInitializer(ti);
        List<Long> dims = new ArrayList<>(t.getDimsList());
        String variant = pick(c.random, "negative", "zero", "overflow", "max", "huge", "extra", "fewer");
        int axis = dims.isEmpty() ? 0 : c.random.nextInt(dims.size());
        switch (variant) {
            case "negative" -> setOrAdd(dims, axis, c.random.nextBoolean() ? -1L : -Math.max(1, dims.isEmpty() ? 1 : dims.get(axis)));
            case "zero" -> setOrAdd(dims, axis, 0L);
            case "overflow" -> dims = new ArrayList<>(List.of(1L << 32, 1L << 32, 3L));
            case "max" -> dims = new ArrayList<>(List.of(Long.MAX_VALUE));
            case "huge" -> dims = new ArrayList<>(c.random.nextBoolean() ? List.of(1L << 31) : List.of(1L << 20, 1L << 20));
            case "extra" -> dims.add(3L);
            default -> {
                if (!dims.isEmpty()) {
                    dims.remove(dims.size() - 1);
                }
            }
        }
        g.setInitializer(ti, t.toBuilder().clearDims().addAllDims(dims));
        BigInteger count = dims.stream().map(BigInteger::valueOf).reduce(BigInteger.ONE, BigInteger::multiply);
        boolean sameCount = count.equals(BigInteger.valueOf(ProtoEdits.elements(t)));
        CliCommand cmd = c.command(base, c.writeModel(base, p.toBuilder().setGraph(g).build().toByteArray()));
        return c.done(base + " model, " + t.getName() + " dims " + t.getDimsList() + " -> " + dims + " (" + variant + ")",
                sameCount ? Expectation.rejectIf(cmd.needsRunnableModel()) : Expectation.REJECT, cmd);
    }

    private static void setOrAdd(List<Long> dims, int axis, long value) {
        if (dims.isEmpty()) {
            dims.add(value);
        } else {
            dims.set(axis, value);
        }
    }

    /** raw_data shorter or longer than the dims say, missing, or typed float_data miscounted. */
    static FuzzCase rawLength(CaseContext c) {
        BaseModel base = c.base();
        ModelProto p = base.proto();
        GraphProto.Builder g = p.getGraph().toBuilder();
        int ti = pick(c.random, ProtoEdits.floatInitializers(p.getGraph(), 2));
        TensorProto t = g.getInitializer(ti);
        byte[] raw = t.getRawData().toByteArray();
        String variant = pick(c.random, "short", "long", "empty", "float_data short", "float_data long");
        int k = 1 + c.random.nextInt(8);
        TensorProto.Builder b = t.toBuilder();
        switch (variant) {
            case "short" -> b.setRawData(ByteString.copyFrom(raw, 0, raw.length - Math.min(k, raw.length)));
            case "long" -> b.setRawData(ByteString.copyFrom(Arrays.copyOf(raw, raw.length + k)));
            case "empty" -> b.clearRawData();
            default -> {
                b.clearRawData();
                int n = (int) ProtoEdits.elements(t) + (variant.endsWith("short") ? -1 : 1);
                for (int i = 0; i < n; i++) {
                    b.addFloatData(i * 0.01f);
                }
            }
        }
        g.setInitializer(ti, b);
        CliCommand cmd = c.command(base, c.writeModel(base, p.toBuilder().setGraph(g).build().toByteArray()));
        return c.done(base + " model, " + t.getName() + " " + t.getDimsList() + ": " + variant
                + (variant.startsWith("float") ? "" : " (k=" + k + ")"), Expectation.REJECT, cmd);
    }

    /** The first graph input's static dim made 0, negative or absurd against MatMul's 8. */
    static FuzzCase badInputShape(CaseContext c) {
        BaseModel base = c.base(BaseModel.MATMUL, BaseModel.GEMM);
        ModelProto p = base.proto();
        GraphProto.Builder g = p.getGraph().toBuilder();
        ValueInfoProto.Builder x = g.getInputBuilder(0);
        TensorShapeProto.Builder shape = x.getTypeBuilder().getTensorTypeBuilder().getShapeBuilder();
        long value = pick(c.random, 0L, -3L, 1L << 40, Long.MAX_VALUE);
        shape.getDimBuilder(1).clearDimParam().setDimValue(value);
        CliCommand cmd = c.command(base, c.writeModel(base, p.toBuilder().setGraph(g).build().toByteArray()));
        // ONNX Runtime reads a negative dim_value as unknown and runs the model: borderline, not broken
        return c.done(base + " model, input x declared [batch, " + value + "] against w[8,8]",
                Expectation.rejectIf(value >= 0 && cmd.needsRunnableModel()), cmd);
    }

    /** A node reads the output of itself or of a node downstream of it. */
    static FuzzCase cycle(CaseContext c) {
        BaseModel base = c.base();
        ModelProto p = base.proto();
        GraphProto.Builder g = p.getGraph().toBuilder();
        int i = pick(c.random, nodesWithInputs(p.getGraph()));
        List<Integer> downstream = downstream(p.getGraph(), i);
        int j = pick(c.random, downstream);
        NodeProto node = g.getNode(i);
        int input = c.random.nextInt(node.getInputCount());
        String value = g.getNode(j).getOutput(0);
        g.setNode(i, node.toBuilder().setInput(input, value));
        CliCommand cmd = c.command(base, c.writeModel(base, p.toBuilder().setGraph(g).build().toByteArray()));
        return c.done(base + " model, node " + node.getName() + " (" + node.getOpType() + ") input " + input + " <- "
                + (i == j ? "its own output" : "downstream " + g.getNode(j).getName()) + " " + value,
                Expectation.rejectIf(cmd.needsRunnableModel()), cmd);
    }

    /** Nodes with at least one input (a Constant has none to rewire). */
    private static List<Integer> nodesWithInputs(GraphProto g) {
        List<Integer> nodes = new ArrayList<>();
        for (int i = 0; i < g.getNodeCount(); i++) {
            if (g.getNode(i).getInputCount() > 0) {
                nodes.add(i);
            }
        }
        return nodes;
    }

    /** Node {@code i} and the nodes that (transitively) read its outputs. */
    private static List<Integer> downstream(GraphProto g, int i) {
        Set<Integer> seen = new HashSet<>(List.of(i));
        Deque<Integer> todo = new ArrayDeque<>(List.of(i));
        while (!todo.isEmpty()) {
            NodeProto from = g.getNode(todo.pop());
            for (int k = 0; k < g.getNodeCount(); k++) {
                if (!seen.contains(k) && g.getNode(k).getInputList().stream().anyMatch(from.getOutputList()::contains)) {
                    seen.add(k);
                    todo.push(k);
                }
            }
        }
        return seen.stream().sorted().toList();
    }

    /** Two nodes write the same value name. */
    static FuzzCase duplicateOutput(CaseContext c) {
        BaseModel base = c.base();
        ModelProto p = base.proto();
        GraphProto.Builder g = p.getGraph().toBuilder();
        int i = c.random.nextInt(g.getNodeCount());
        int j;
        do {
            j = c.random.nextInt(g.getNodeCount());
        } while (j == i);
        String name = g.getNode(i).getOutput(0);
        g.setNode(j, g.getNode(j).toBuilder().setOutput(0, name));
        CliCommand cmd = c.command(base, c.writeModel(base, p.toBuilder().setGraph(g).build().toByteArray()));
        return c.done(base + " model, nodes " + g.getNode(i).getName() + " and " + g.getNode(j).getName() + " both write " + name,
                Expectation.rejectIf(cmd.needsRunnableModel()), cmd);
    }

    /** A second initializer of an existing name with other values: which one wins is undefined. */
    static FuzzCase duplicateInitializer(CaseContext c) {
        BaseModel base = c.base();
        ModelProto p = base.proto();
        GraphProto.Builder g = p.getGraph().toBuilder();
        TensorProto t = g.getInitializer(pick(c.random, ProtoEdits.usedInitializers(p.getGraph())));
        byte[] raw = t.getRawData().toByteArray();
        for (int k = 0; k < raw.length; k++) {
            raw[k] ^= 0x15; // other values, same size
        }
        TensorProto twin = t.toBuilder().setRawData(ByteString.copyFrom(raw)).build();
        boolean first = c.random.nextBoolean();
        if (first) {
            g.addInitializer(0, twin);
        } else {
            g.addInitializer(twin);
        }
        CliCommand cmd = c.command(base, c.writeModel(base, p.toBuilder().setGraph(g).build().toByteArray()));
        return c.done(base + " model, initializer " + t.getName() + " twice with different values (twin " + (first ? "first" : "last") + ")",
                Expectation.REJECT, cmd);
    }

    /** A node input that nothing produces. */
    static FuzzCase danglingInput(CaseContext c) {
        BaseModel base = c.base();
        ModelProto p = base.proto();
        GraphProto.Builder g = p.getGraph().toBuilder();
        int i = pick(c.random, nodesWithInputs(p.getGraph()));
        NodeProto node = g.getNode(i);
        int input = c.random.nextInt(node.getInputCount());
        String missing = "fuzz_missing_" + c.random.nextInt(1000);
        g.setNode(i, node.toBuilder().setInput(input, missing));
        CliCommand cmd = c.command(base, c.writeModel(base, p.toBuilder().setGraph(g).build().toByteArray()));
        return c.done(base + " model, node " + node.getName() + " input " + input + " (" + node.getInput(input) + ") -> " + missing,
                Expectation.rejectIf(cmd.needsRunnableModel()), cmd);
    }

    static FuzzCase unknownDomain(CaseContext c) {
        BaseModel base = c.base();
        ModelProto.Builder p = base.proto().toBuilder();
        GraphProto.Builder g = p.getGraphBuilder();
        int i = c.random.nextInt(g.getNodeCount());
        String domain = "com.example.fuzz";
        g.setNode(i, g.getNode(i).toBuilder().setDomain(domain));
        boolean imported = c.random.nextBoolean();
        if (imported) {
            p.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(domain).setVersion(1));
        }
        CliCommand cmd = c.command(base, c.writeModel(base, p.build().toByteArray()));
        return c.done(base + " model, node " + g.getNode(i).getName() + " (" + g.getNode(i).getOpType() + ") in domain " + domain
                + (imported ? " (imported)" : " (not imported)"), Expectation.rejectIf(cmd.needsRunnableModel()), cmd);
    }

    /** IR versions no runtime reads (a command that runs must refuse) or not positive (not a model at all). */
    static FuzzCase irVersion(CaseContext c) {
        BaseModel base = c.base();
        long ir = pick(c.random, 999L, 100L, 1L << 40, Long.MAX_VALUE, 0L, -1L, Long.MIN_VALUE);
        byte[] bytes = base.proto().toBuilder().setIrVersion(ir).build().toByteArray();
        CliCommand cmd = c.command(base, c.writeModel(base, bytes));
        return c.done(base + " model, ir_version " + ir, ir <= 0 ? Expectation.REJECT : Expectation.rejectIf(cmd.needsRunnableModel()), cmd);
    }

    static FuzzCase opsetVersion(CaseContext c) {
        BaseModel base = c.base();
        ModelProto.Builder p = base.proto().toBuilder();
        long opset = pick(c.random, 99L, 10_000L, 0L, -1L);
        for (int i = 0; i < p.getOpsetImportCount(); i++) {
            if (p.getOpsetImport(i).getDomain().isEmpty()) {
                p.setOpsetImport(i, p.getOpsetImport(i).toBuilder().setVersion(opset));
            }
        }
        CliCommand cmd = c.command(base, c.writeModel(base, p.build().toByteArray()));
        return c.done(base + " model, default opset " + opset, Expectation.rejectIf(cmd.needsRunnableModel()), cmd);
    }

    /** Files that are not ONNX models at all, or protobufs that are not models. */
    static FuzzCase notOnnx(CaseContext c) {
        BaseModel base = c.base();
        String variant = pick(c.random, "empty", "random", "text", "json", "gzip", "container", "tensor proto",
                "no graph", "no opset");
        ModelProto valid = base.proto();
        byte[] bytes = switch (variant) {
            case "empty" -> new byte[0];
            case "random" -> {
                byte[] r = new byte[1 + c.random.nextInt(2048)];
                c.random.nextBytes(r);
                yield r;
            }
            case "text" -> "# not a model\njust text\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            case "json" -> "{\"ir_version\": 8, \"graph\": {}}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            case "gzip" -> gzip(valid.toByteArray());
            case "container" -> ContainerCases.baseContainer();
            case "tensor proto" -> valid.getGraph().getInitializer(0).toByteArray();
            case "no graph" -> valid.toBuilder().clearGraph().build().toByteArray();
            default -> valid.toBuilder().clearOpsetImport().build().toByteArray();
        };
        CliCommand cmd = c.command(base, c.writeModel(base, bytes));
        return c.done(variant + " (" + bytes.length + " bytes) as model.onnx", Expectation.byParse(bytes), cmd);
    }

    private static byte[] gzip(byte[] data) {
        var out = new java.io.ByteArrayOutputStream();
        try (var gz = new java.util.zip.GZIPOutputStream(out)) {
            gz.write(data);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Graphs nested inside If nodes deeper than protobuf's recursion limit (and than a naive recursive scan's stack). */
    static FuzzCase deepNesting(CaseContext c) {
        BaseModel base = c.base();
        int levels = pick(c.random, 1_001, 5_000, 100_000);
        byte[] bytes = NestedGraphs.model(levels);
        CliCommand cmd = c.command(base, c.writeModel(base, bytes));
        return c.done("If nodes nested " + levels + " graphs deep (" + bytes.length + " bytes)", Expectation.REJECT, cmd);
    }
}
