package dev.nncj.cli.fuzz;

import static dev.nncj.cli.fuzz.ProtoEdits.pick;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.nncj.cluster.CodebookWeight;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.GraphBuilder;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.onnx.TinyModels;
import dev.nncj.sparsity.HuffmanCodec;
import dev.nncj.sparsity.NncjContainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Mutations of a real {@code .nncj} container (written by NncjContainer from a tiny model with one
 * bitmask-coded and one Huffman-coded tensor) and hand-made containers whose declared sizes are
 * bombs. Every mutation must be refused, except a flip that provably changes nothing the reader
 * uses (the flags, or deflate bits that inflate to the same skeleton).
 */
final class ContainerCases {
    private ContainerCases() {}

    private static byte[] base;

    /**
     * <pre>
     * x[batch,16] ── MatMul(w1[16,16], half zeros) ── Relu ── MatMul(w2 = codebook[4] of uint8 indices) ── Add(b[16]) ── y
     * </pre>
     */
    static OnnxModel baseModel() {
        GraphBuilder b = new GraphBuilder("tiny_packed", 17);
        String x = b.input("x", DataType.FLOAT, "batch", 16);
        float[] w1 = TinyModels.gaussian(256, 11);
        for (int i = 0; i < w1.length; i += 2) {
            w1[i] = 0f;
        }
        String first = b.initializer(Tensor.ofFloats("w1", new long[] {16, 16}, w1));
        String second = b.initializer(Tensor.ofFloats("w2", new long[] {16, 16}, TinyModels.gaussian(256, 12)));
        String bias = b.initializer(Tensor.ofFloats("b", new long[] {16}, TinyModels.gaussian(16, 13)));
        String h = b.op("Relu", b.op("MatMul", x, first));
        b.output(b.op("Add", b.op("MatMul", h, second), bias), "y", DataType.FLOAT, "batch", 16);
        OnnxModel model = b.build();
        byte[] indices = new byte[256];
        for (int i = 0; i < indices.length; i++) {
            indices[i] = (byte) (i % 3 == 0 ? 0 : 1 + i % 4);
        }
        CodebookWeight.replace(model.graph(), "w2", new float[] {-1f, -0.25f, 0.25f, 1f}, indices);
        model.graph().sortTopologically();
        return model;
    }

    /** The base container's bytes, written once per JVM. */
    static synchronized byte[] baseContainer() {
        if (base == null) {
            try {
                Path tmp = Files.createTempFile("nncj-fuzz-base", ".nncj");
                try {
                    NncjContainer.PackResult r = NncjContainer.write(baseModel(), tmp);
                    if (r.packedTensors() != 2) {
                        throw new IllegalStateException("the base container should pack 2 tensors, packed " + r.tensors());
                    }
                    base = Files.readAllBytes(tmp);
                } finally {
                    Files.deleteIfExists(tmp);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return base.clone();
    }

    /** Writes dir/model.nncj; only unpack reads containers ({@code inspect} calls one "not an ONNX model" unread). */
    private static FuzzCase container(CaseContext c, byte[] bytes, String description, Expectation expectation) {
        Path file = c.write("model.nncj", bytes);
        return c.done(description, expectation, CliCommand.unpack(file, c.out().resolve("out.onnx")));
    }

    static FuzzCase valid(CaseContext c) {
        byte[] bytes = baseContainer();
        return container(c, bytes, "container (" + bytes.length + " bytes, valid)", Expectation.SUCCEED);
    }

    static FuzzCase truncate(CaseContext c) {
        byte[] bytes = baseContainer();
        int cut = c.random.nextInt(bytes.length);
        return container(c, Arrays.copyOf(bytes, cut), "container cut to " + cut + " of " + bytes.length + " bytes in the "
                + ContainerBytes.fieldAt(ContainerBytes.layout(bytes), Math.max(0, cut - 1)).name(), Expectation.REJECT);
    }

    /**
     * 1 to 3 bytes XORed anywhere. Refusal is required unless every flip is neutral: the flags
     * (reserved, ignored) or the skeleton's deflate bits when the skeleton still inflates to the
     * same bytes (the stream's trailing padding bits).
     */
    static FuzzCase flip(CaseContext c) {
        byte[] original = baseContainer();
        List<ContainerBytes.Field> layout = ContainerBytes.layout(original);
        byte[] bytes = original.clone();
        List<String> what = new ArrayList<>();
        boolean allFlagsOrSkeleton = true;
        int flips = 1 + c.random.nextInt(3);
        for (int i = 0; i < flips; i++) {
            int at = c.random.nextInt(bytes.length);
            int mask = 1 + c.random.nextInt(255);
            bytes[at] ^= (byte) mask;
            String field = ContainerBytes.fieldAt(layout, at).name();
            allFlagsOrSkeleton &= field.equals("flags") || field.equals("skeleton");
            what.add(String.format("byte %d (%s) ^= 0x%02x", at, field, mask));
        }
        byte[] skeleton = ContainerBytes.inflatedSkeleton(original, layout, 1 << 20);
        boolean neutral = allFlagsOrSkeleton
                && Arrays.equals(skeleton, ContainerBytes.inflatedSkeleton(bytes, layout, skeleton.length));
        return container(c, bytes, "container, " + String.join(", ", what) + (neutral ? " (neutral)" : ""),
                Expectation.rejectIf(!neutral));
    }

    /** A length, count or element field set to a negative, huge or off-by-one value. */
    static FuzzCase lengthField(CaseContext c) {
        byte[] bytes = baseContainer();
        List<ContainerBytes.Field> layout = ContainerBytes.layout(bytes);
        ContainerBytes.Field field = ContainerBytes.field(layout, pick(c.random, "skeleton length", "count",
                "tensor 1 elements", "tensor 1 length", "tensor 2 elements", "tensor 2 length"));
        long actual = ContainerBytes.number(bytes, field);
        long value = field.length() == 4
                ? pick(c.random, -1L, (long) Integer.MAX_VALUE, (long) Integer.MIN_VALUE, 0L, actual + 1, actual - 1)
                : pick(c.random, -1L, Long.MIN_VALUE, Long.MAX_VALUE, 1L << 31, (1L << 31) - 1, 1L << 40,
                        (long) bytes.length, actual + 1, actual - 1);
        return container(c, ContainerBytes.withNumber(bytes, field, value), "container, " + field.name() + " " + actual
                + " -> " + value, Expectation.REJECT);
    }

    /**
     * A skeleton that inflates to gigabytes: zeros (not a protobuf), or a valid skeleton behind a
     * doc_string of zeros (a protobuf of 1 to 1.9 GB that nothing of a few megabytes should expand to).
     */
    static FuzzCase skeletonBomb(CaseContext c) {
        byte[] bytes = baseContainer();
        List<ContainerBytes.Field> layout = ContainerBytes.layout(bytes);
        byte[] skeleton = ContainerBytes.inflatedSkeleton(bytes, layout, 1 << 20);
        boolean docString = c.random.nextBoolean();
        long zeros = docString ? pick(c.random, 1L << 30, 1900L << 20) : pick(c.random, 768L << 20, 3L << 30);
        byte[] prefix = docString ? docStringHeader(zeros) : new byte[0];
        byte[] bomb = ContainerBytes.zlibBomb(prefix, zeros, docString ? skeleton : new byte[0]);
        ContainerBytes.Field count = ContainerBytes.field(layout, "count");
        byte[] rest = Arrays.copyOfRange(bytes, count.offset(), bytes.length);
        byte[] file = concat(Arrays.copyOf(bytes, 12), ByteBuffer.allocate(8).putLong(bomb.length).array(), bomb, rest);
        return container(c, file, String.format("container whose %d-byte skeleton inflates to %,d bytes (%s)", bomb.length,
                prefix.length + zeros + (docString ? skeleton.length : 0), docString ? "a doc_string of zeros, then the graph" : "zeros"),
                Expectation.REJECT);
    }

    /** ModelProto field 6 (doc_string), length-delimited, {@code n} bytes long: tag and varint. */
    private static byte[] docStringHeader(long n) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(0x32);
        while ((n & ~0x7FL) != 0) {
            out.write((int) ((n & 0x7F) | 0x80));
            n >>>= 7;
        }
        out.write((int) n);
        return out.toByteArray();
    }

    /**
     * One packed tensor whose few payload bytes declare a huge element count: Huffman with no
     * non-zeros (a dense array of all of them), Huffman with every element non-zero (an int per
     * element before the values fail), a bitmask or raw payload far too short, dims whose product overflows.
     */
    static FuzzCase tensorBomb(CaseContext c) {
        String variant = pick(c.random, "huffman, no non-zeros", "huffman, all non-zero", "bitmask, short payload",
                "raw, short payload", "dims overflow");
        long elements = switch (variant) {
            case "huffman, no non-zeros" -> pick(c.random, 600_000_000L, (long) Integer.MAX_VALUE);
            case "huffman, all non-zero" -> pick(c.random, 1_000_000_000L, (long) Integer.MAX_VALUE);
            case "dims overflow" -> 0L; // 2^32 x 2^32 wraps to 0 in unchecked arithmetic
            default -> pick(c.random, (long) Integer.MAX_VALUE, 1L << 40);
        };
        List<Long> dims = variant.equals("dims overflow") ? List.of(1L << 32, 1L << 32) : List.of(elements);
        int type = variant.startsWith("huffman") || variant.startsWith("dims") ? TensorProto.DataType.UINT8_VALUE
                : TensorProto.DataType.FLOAT_VALUE;
        byte[] payload = switch (variant) {
            case "huffman, no non-zeros" -> huffman(new byte[4096], 1);
            case "huffman, all non-zero" -> {
                byte[] p = huffman(new byte[] {1, 2, 3, 1, 2, 3, 1, 2}, 2);
                ByteBuffer.wrap(p).putInt(1, (int) elements); // the non-zero count in the header
                yield p;
            }
            case "dims overflow" -> huffman(new byte[4096], 1);
            default -> new byte[16];
        };
        int codec = variant.startsWith("bitmask") ? ContainerBytes.CODEC_BITMASK
                : variant.startsWith("raw") ? ContainerBytes.CODEC_RAW : ContainerBytes.CODEC_HUFFMAN;
        byte[] file = ContainerBytes.write(2, ContainerBytes.zlib(castSkeleton(type, dims).toByteArray()),
                List.of(new ContainerBytes.Packed(codec, elements, payload)));
        return container(c, file, "container of " + file.length + " bytes, one tensor of " + dims + " elements (" + variant + ")",
                Expectation.REJECT);
    }

    /** HuffmanCodec's payload for {@code values}, checked to use the expected position form. */
    private static byte[] huffman(byte[] values, int form) {
        byte[] p = HuffmanCodec.encode(Tensor.ofRaw("t", DataType.UINT8, new long[] {values.length}, ByteBuffer.wrap(values)));
        if (p[0] != form) {
            throw new IllegalStateException("Huffman payload has position form " + p[0] + ", the bomb needs " + form);
        }
        return p;
    }

    /** t (a packed placeholder) ── Cast(float) ── y */
    private static ModelProto castSkeleton(int type, List<Long> dims) {
        GraphProto graph = GraphProto.newBuilder().setName("bomb")
                .addInitializer(ContainerBytes.placeholder("t", type, dims, 0))
                .addNode(NodeProto.newBuilder().setOpType("Cast").addInput("t").addOutput("y").setName("cast")
                        .addAttribute(ai.onnx.proto.OnnxMl.AttributeProto.newBuilder().setName("to").setI(1)
                                .setType(ai.onnx.proto.OnnxMl.AttributeProto.AttributeType.INT)))
                .addOutput(ai.onnx.proto.OnnxMl.ValueInfoProto.newBuilder().setName("y"))
                .build();
        return ModelProto.newBuilder().setIrVersion(8).setGraph(graph)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(17)).build();
    }

    /** A tensor left in the skeleton (not packed) whose external data leads out of the folder. */
    static FuzzCase externalData(CaseContext c) throws InvalidProtocolBufferException {
        byte[] bytes = baseContainer();
        List<ContainerBytes.Field> layout = ContainerBytes.layout(bytes);
        ModelProto skeleton = ModelProto.parseFrom(ContainerBytes.inflatedSkeleton(bytes, layout, 1 << 20));
        GraphProto.Builder g = skeleton.getGraph().toBuilder();
        int ti = -1;
        for (int i = 0; i < g.getInitializerCount(); i++) {
            if (g.getInitializer(i).getName().equals("b")) {
                ti = i;
            }
        }
        TensorProto t = g.getInitializer(ti);
        Path secret = c.secret(4096);
        String variant = pick(c.random, "symlink", "relative", "absolute", "fifo");
        String location = switch (variant) {
            case "symlink" -> "link.bin";
            case "relative" -> c.dir().relativize(secret).toString();
            case "absolute" -> secret.toString();
            default -> "pipe.bin";
        };
        try {
            if (variant.equals("symlink")) {
                Files.createSymbolicLink(c.dir().resolve("link.bin"), secret);
            } else if (variant.equals("fifo")) {
                ExternalDataCases.mkfifo(c.dir().resolve("pipe.bin"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        c.mayName(Path.of(location).getFileName().toString());
        g.setInitializer(ti, ProtoEdits.external(t, location, "0", Integer.toString(t.getRawData().size())));
        byte[] zlib = ContainerBytes.zlib(skeleton.toBuilder().setGraph(g).build().toByteArray());
        ContainerBytes.Field count = ContainerBytes.field(layout, "count");
        byte[] file = concat(Arrays.copyOf(bytes, 12), ByteBuffer.allocate(8).putLong(zlib.length).array(), zlib,
                Arrays.copyOfRange(bytes, count.offset(), bytes.length));
        return container(c, file, "container whose unpacked tensor b is external at " + location + " (" + variant + ")",
                Expectation.REJECT);
    }

    /** Not a container: empty, the magic alone, unknown versions, an ONNX file, version 1 over a zlib skeleton. */
    static FuzzCase notContainer(CaseContext c) {
        byte[] bytes = baseContainer();
        List<ContainerBytes.Field> layout = ContainerBytes.layout(bytes);
        String variant = pick(c.random, "empty", "magic only", "version 0", "version 3", "version 65535", "onnx model",
                "random after magic", "version 1 (raw skeleton) over zlib");
        byte[] file = switch (variant) {
            case "empty" -> new byte[0];
            case "magic only" -> ContainerBytes.MAGIC.clone();
            case "version 0" -> ContainerBytes.withNumber(bytes, ContainerBytes.field(layout, "version"), 0);
            case "version 3" -> ContainerBytes.withNumber(bytes, ContainerBytes.field(layout, "version"), 3);
            case "version 65535" -> ContainerBytes.withNumber(bytes, ContainerBytes.field(layout, "version"), 65535);
            case "onnx model" -> BaseModel.MATMUL.proto().toByteArray();
            case "random after magic" -> {
                byte[] r = new byte[8 + 1 + c.random.nextInt(1024)];
                c.random.nextBytes(r);
                System.arraycopy(ContainerBytes.MAGIC, 0, r, 0, 8);
                yield r;
            }
            default -> ContainerBytes.withNumber(bytes, ContainerBytes.field(layout, "version"), 1);
        };
        return container(c, file, variant + " (" + file.length + " bytes) as model.nncj", Expectation.REJECT);
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
