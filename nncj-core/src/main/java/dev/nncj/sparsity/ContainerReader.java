package dev.nncj.sparsity;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.FunctionProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.SparseTensorProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import dev.nncj.NncjException;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.ExternalData;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Reads one {@link NncjContainer}, bounded: every length and count is checked against the bytes
 * left in the file, the tensor's shape and the {@link DecodeBudget} before anything is allocated
 * for it, so a corrupt or hostile container fails in milliseconds with one line naming the file and
 * the field, never with an OutOfMemoryError. The container holds all of its data: nothing beside it
 * is read.
 */
final class ContainerReader {
    /** A packed tensor's fields around its payload: codec u8, elements u64, length u64, crc32 u32. */
    private static final int TENSOR_OVERHEAD = 1 + 8 + 8 + 4;

    private final Path file;
    private final long size;
    private final Counting counted;
    private final DataInputStream in;
    private final DecodeBudget budget;
    /** Where the reader is, for the message when the file ends there. */
    private String where = "its header";

    private ContainerReader(Path file, long size, InputStream raw) {
        this.file = file;
        this.size = size;
        this.counted = new Counting(new BufferedInputStream(raw, 1 << 16));
        this.in = new DataInputStream(counted);
        this.budget = DecodeBudget.forFile(file, size);
    }

    static NncjContainer.Unpacked read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw NncjException.inFile(file, Files.exists(file) ? "is not a regular file" : "file not found");
        }
        try (InputStream raw = Files.newInputStream(file)) {
            return new ContainerReader(file, Files.size(file), raw).read();
        } catch (IOException e) {
            throw NncjException.inFile(file, "cannot read: " + e.getMessage(), e);
        }
    }

    private NncjContainer.Unpacked read() throws IOException {
        try {
            ModelProto skeleton = skeleton(version());
            List<TensorProto> placeholders = placeholders(skeleton);
            claimInitializers(skeleton.getGraph());
            where = "its count of packed tensors";
            int count = in.readInt();
            where = "its packed tensors";
            if (count != placeholders.size()) {
                throw corrupt(Integer.toUnsignedString(count) + " packed tensors, the graph expects " + placeholders.size());
            }
            if ((long) count * TENSOR_OVERHEAD + NncjContainer.TRAILER.length > remaining()) {
                throw truncated(count + " of them need at least " + ((long) count * TENSOR_OVERHEAD
                        + NncjContainer.TRAILER.length) + " bytes, " + remaining() + " remain");
            }
            List<ByteString> restored = new ArrayList<>();
            List<NncjContainer.PackedTensor> stats = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                TensorProto p = placeholders.get(i);
                where = "packed tensor " + p.getName() + " (" + (i + 1) + " of " + count + ")";
                // the decoder's array is never touched again: the proto may share it
                restored.add(UnsafeByteOperations.unsafeWrap(tensor(p, stats)));
            }
            where = "its end marker";
            byte[] trailer = new byte[NncjContainer.TRAILER.length];
            in.readFully(trailer);
            if (!Arrays.equals(trailer, NncjContainer.TRAILER)) {
                throw corrupt("no end marker after the last tensor");
            }
            return new NncjContainer.Unpacked(model(fill(skeleton, restored)), stats);
        } catch (EOFException e) {
            throw truncated(null);
        }
    }

    private int version() throws IOException {
        byte[] magic = in.readNBytes(NncjContainer.MAGIC.length);
        if (!Arrays.equals(magic, NncjContainer.MAGIC)) {
            if (magic.length > 0 && magic.length < NncjContainer.MAGIC.length
                    && Arrays.equals(magic, Arrays.copyOf(NncjContainer.MAGIC, magic.length))) {
                throw truncated(null);
            }
            throw NncjException.inFile(file, "is not an NNCJ container (it does not start with NNCJPACK)");
        }
        int version = in.readUnsignedShort();
        in.readUnsignedShort(); // flags: none defined in versions 1 and 2
        if (version != NncjContainer.VERSION && version != NncjContainer.VERSION_RAW_SKELETON) {
            throw NncjException.inFile(file, "is NNCJ container version " + version + "; this NNCJ reads versions "
                    + NncjContainer.VERSION_RAW_SKELETON + " and " + NncjContainer.VERSION);
        }
        return version;
    }

    private ModelProto skeleton(int version) throws IOException {
        where = "its ONNX graph";
        byte[] stored = bytes(in.readLong(), "its ONNX graph");
        byte[] proto = stored;
        if (version != NncjContainer.VERSION_RAW_SKELETON) {
            int limit = budget.arrayLimit();
            try {
                proto = SkeletonDeflate.inflate(stored, limit);
            } catch (SkeletonDeflate.LimitExceededException e) {
                throw budget.refusal(limit + 1L, "its ONNX graph keeps inflating");
            } catch (IllegalArgumentException e) {
                throw corrupt(e.getMessage());
            }
        }
        int inflated = proto.length;
        budget.claim(inflated, () -> String.format(Locale.ROOT, "its ONNX graph takes %,d bytes", inflated));
        try {
            CodedInputStream coded = CodedInputStream.newInstance(proto);
            coded.setSizeLimit(Integer.MAX_VALUE);
            coded.setRecursionLimit(1000);
            ModelProto m = ModelProto.parseFrom(coded);
            if (!m.hasGraph()) {
                throw corrupt("its ONNX graph is missing");
            }
            return m;
        } catch (InvalidProtocolBufferException e) {
            throw NncjException.inFile(file, "is corrupt: its ONNX graph does not parse", e);
        }
    }

    /**
     * Placeholders in graph order, which is the order {@link NncjContainer#write} numbered them. Any
     * other external data is refused: the writer never makes it, and reading it would read a file
     * beside the container (or, through a symbolic link there, any file at all).
     */
    private List<TensorProto> placeholders(ModelProto skeleton) {
        refuseExternalData(skeleton.getGraph());
        for (FunctionProto f : skeleton.getFunctionsList()) {
            refuseExternalData(f.getNodeList());
        }
        return skeleton.getGraph().getInitializerList().stream().filter(ContainerReader::isPlaceholder).toList();
    }

    private void refuseExternalData(GraphProto graph) {
        for (TensorProto t : graph.getInitializerList()) {
            if (!isPlaceholder(t)) {
                refuseExternal(t);
            }
        }
        for (SparseTensorProto s : graph.getSparseInitializerList()) {
            refuseExternal(s);
        }
        refuseExternalData(graph.getNodeList());
    }

    private void refuseExternalData(List<NodeProto> nodes) {
        for (NodeProto n : nodes) {
            for (AttributeProto a : n.getAttributeList()) {
                refuseExternal(a.getT());
                a.getTensorsList().forEach(this::refuseExternal);
                refuseExternal(a.getSparseTensor());
                a.getSparseTensorsList().forEach(this::refuseExternal);
                refuseExternalData(a.getG());
                a.getGraphsList().forEach(this::refuseExternalData);
            }
        }
    }

    private void refuseExternal(SparseTensorProto s) {
        refuseExternal(s.getValues());
        refuseExternal(s.getIndices());
    }

    private void refuseExternal(TensorProto t) {
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            String location = t.getExternalDataList().stream().filter(e -> e.getKey().equals("location"))
                    .map(e -> e.getValue()).findFirst().orElse("");
            throw corrupt("tensor " + t.getName() + " names external data \"" + location
                    + "\"; a container holds all of its data and nothing beside it is read");
        }
    }

    static boolean isPlaceholder(TensorProto t) {
        return t.getDataLocation() == TensorProto.DataLocation.EXTERNAL && t.getExternalDataList().stream()
                .anyMatch(e -> e.getKey().equals("location") && e.getValue().equals(NncjContainer.LOCATION));
    }

    /**
     * Claims every initializer's bytes before any is decoded, so a bomb is refused by the first
     * field that declares too much. A tensor held in the graph cannot declare more than its own
     * bytes can hold (at most 8 bytes of values per byte: a one-byte varint of an int64).
     */
    private void claimInitializers(GraphProto graph) {
        for (TensorProto t : graph.getInitializerList()) {
            DataType type = type(t);
            long elements = elements(t);
            long bytes;
            try {
                bytes = type == DataType.STRING ? 0 : Math.addExact(Math.multiplyExact(elements, (long) type.bits()), 7) / 8;
            } catch (ArithmeticException e) {
                throw corrupt(String.format(Locale.ROOT, "tensor %s declares %,d elements of %s, past 2^63 bits",
                        t.getName(), elements, type.displayName()));
            }
            long declared = bytes;
            Supplier<String> what = () -> String.format(Locale.ROOT, "tensor %s declares %,d elements of %s (%,d bytes)",
                    t.getName(), elements, type.displayName(), declared);
            if (isPlaceholder(t) && (type == DataType.STRING || type.bits() < 8)) {
                throw corrupt("packed tensor " + t.getName() + " is " + type.displayName() + ", which no container packs");
            }
            if (!isPlaceholder(t) && bytes > 8L * t.getSerializedSize()) {
                throw corrupt(String.format(Locale.ROOT, "%s but holds %,d bytes", what.get(), t.getSerializedSize()));
            }
            budget.claim(bytes, what);
            if (bytes > DecodeBudget.MAX_ARRAY) {
                throw corrupt(what.get() + ", more than one Java array holds (2 GB)");
            }
        }
    }

    private DataType type(TensorProto t) {
        try {
            return DataType.fromCode(t.getDataType());
        } catch (IllegalArgumentException e) {
            throw corrupt("tensor " + t.getName() + " has unknown data type " + t.getDataType());
        }
    }

    private long elements(TensorProto t) {
        long n = 1;
        for (long d : t.getDimsList()) {
            if (d < 0) {
                throw corrupt("tensor " + t.getName() + " has a negative dimension in " + t.getDimsList());
            }
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                throw corrupt("tensor " + t.getName() + " has dimensions " + t.getDimsList() + " whose product passes 2^63");
            }
        }
        return n;
    }

    /** One packed tensor's fields and payload, decoded to its raw_data bytes. */
    private byte[] tensor(TensorProto placeholder, List<NncjContainer.PackedTensor> stats) throws IOException {
        String name = "packed tensor " + placeholder.getName();
        int codecId = in.readUnsignedByte();
        TensorCodec codec = TensorCodec.of(codecId).orElseThrow(() -> NncjException.inFile(file, name
                + " uses codec id " + codecId + ", which this NNCJ cannot decode (it knows 0 raw, 1 bitmask, 2 Huffman)"));
        long elements = in.readLong();
        long expected = elements(placeholder);
        if (elements != expected) {
            throw corrupt(name + " has " + elements + " elements, its shape says " + expected);
        }
        int width = type(placeholder).bits() / 8;
        long length = in.readLong();
        if (length < 0) {
            throw corrupt(name + " declares " + length + " bytes");
        }
        String plausible = plausibleLength(codec, length, elements, width);
        if (plausible != null) {
            throw corrupt(name + ": " + plausible);
        }
        byte[] payload = bytes(length, name);
        long crc = in.readInt() & 0xffffffffL;
        if (crc != NncjContainer.crc(payload)) {
            throw corrupt(name + " fails its CRC-32 check");
        }
        stats.add(new NncjContainer.PackedTensor(placeholder.getName(), codec, elements, length));
        try {
            return switch (codec) {
                case RAW -> payload;
                case BITMASK -> BitmaskCodec.decode(payload, elements, width);
                case HUFFMAN -> HuffmanCodec.decode(payload, elements);
            };
        } catch (IllegalArgumentException e) {
            throw corrupt(name + ": " + e.getMessage());
        }
    }

    /** Why a payload of {@code length} bytes cannot code {@code elements} elements of {@code width} bytes, or null. */
    private static String plausibleLength(TensorCodec codec, long length, long elements, int width) {
        long dense = elements * width; // no overflow: the budget took it
        return switch (codec) {
            case RAW -> length == dense ? null : "raw payload of " + length + " bytes for " + dense + " bytes of elements";
            case BITMASK -> {
                long mask = (elements + 7) / 8;
                yield length >= mask && length <= mask + dense ? null
                        : "bitmask payload of " + length + " bytes, its mask alone takes " + mask + " and all " + elements
                                + " elements at most " + (mask + dense);
            }
            case HUFFMAN -> width == 1 ? null
                    : "Huffman coding is for uint8 tensors, this one has " + width + "-byte elements";
        };
    }

    /** {@code length} bytes of the file, which must hold them. */
    private byte[] bytes(long length, String what) throws IOException {
        if (length < 0) {
            throw corrupt(what + " declares " + length + " bytes");
        }
        if (length > remaining()) {
            throw truncated("it declares " + length + " bytes, " + remaining() + " remain");
        }
        if (length > DecodeBudget.MAX_ARRAY) {
            throw corrupt(what + " declares " + length + " bytes, more than one Java array holds (2 GB)");
        }
        budget.checkHeap(length, what + " declares " + length + " bytes");
        byte[] b = new byte[(int) length];
        in.readFully(b);
        return b;
    }

    private OnnxModel model(ModelProto proto) {
        try {
            return OnnxFiles.fromProto(proto, ExternalData.beside(file));
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw NncjException.inFile(file, "is corrupt: " + e.getMessage(), e);
        }
    }

    private static ModelProto fill(ModelProto skeleton, List<ByteString> restored) {
        ModelProto.Builder model = skeleton.toBuilder();
        var graph = model.getGraphBuilder();
        int next = 0;
        for (int i = 0; i < graph.getInitializerCount(); i++) {
            TensorProto t = graph.getInitializer(i);
            if (isPlaceholder(t)) {
                graph.setInitializer(i, t.toBuilder().clearDataLocation().clearExternalData().setRawData(restored.get(next++)));
            }
        }
        return model.build();
    }

    private long remaining() {
        return size - counted.count;
    }

    private NncjException corrupt(String why) {
        return NncjException.inFile(file, "is corrupt: " + why);
    }

    private NncjException truncated(String detail) {
        return NncjException.inFile(file, "is truncated (it ends inside " + where + (detail == null ? "" : "; " + detail) + ")");
    }

    /** Counts the bytes read, so every length is checked against what is left of the file. */
    private static final class Counting extends FilterInputStream {
        long count;

        Counting(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            count += skipped;
            return skipped;
        }
    }
}
