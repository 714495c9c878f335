package dev.nncj.sparsity;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.nncj.NncjException;
import dev.nncj.OutputFiles;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.ExternalData;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.onnx.TensorProtos;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;

/**
 * The {@code .nncj} container: an ONNX model whose large tensors are coded more compactly than ONNX
 * allows, unpacked back to a plain ONNX file ({@code nncj unpack}) before ONNX Runtime runs it.
 *
 * <pre>
 * "NNCJPACK"                       8 bytes, magic
 * version u16 (2), flags u16 (0)   a reader refuses versions it does not know
 * skeleton: u64 length, bytes      the ONNX ModelProto, zlib-compressed (version 1: not compressed);
 *                                  each packed initializer keeps its name, type and dims, with
 *                                  data_location EXTERNAL and external_data
 *                                  {location: "nncj:packed", index: i} in place of its bytes
 * count u32, then per packed tensor i:
 *   codec u8                       {@link TensorCodec} id (0 raw, 1 bitmask, 2 Huffman)
 *   elements u64                   checked against the skeleton's dims
 *   payload: u64 length, bytes
 *   crc32 u32                      of the payload
 * "NNCJEND!"                       8 bytes: a file cut short is detected, not half-read
 * </pre>
 * Integers are big-endian (Java's DataOutput). A tensor is packed with the codec whose payload is
 * smallest (bitmask for whole-byte tensors, Huffman for uint8 ones: clustered weights' indices),
 * when that is smaller than its raw bytes; everything else stays in the skeleton unchanged, so unpacking gives back every
 * tensor bit for bit and every other field of the model as it was.
 */
public final class NncjContainer {
    static final byte[] MAGIC = "NNCJPACK".getBytes(StandardCharsets.US_ASCII);
    static final byte[] TRAILER = "NNCJEND!".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 2;
    /** Version 1 (until NNCJ 2026-11-28) stored the skeleton uncompressed; it is still read. */
    static final int VERSION_RAW_SKELETON = 1;
    static final String LOCATION = "nncj:packed";

    private NncjContainer() {}

    /** What {@link #write} packed. */
    public record PackResult(int packedTensors, long rawBytes, long packedBytes, long fileBytes, List<PackedTensor> tensors) {
        public PackResult {
            tensors = List.copyOf(tensors);
        }
    }

    /** One packed tensor: its codec, element count and payload bytes (bits per element = 8 * bytes / elements). */
    public record PackedTensor(String name, TensorCodec codec, long elements, long payloadBytes) {
        public double bitsPerElement() {
            return elements == 0 ? 0 : 8.0 * payloadBytes / elements;
        }
    }

    /**
     * Writes {@code model} to {@code target} atomically (temp file beside it, then rename), packing
     * every tensor a codec makes smaller with the codec that makes it smallest.
     */
    public static PackResult write(OnnxModel model, Path target) {
        List<Tensor> packed = new ArrayList<>();
        List<byte[]> payloads = new ArrayList<>();
        List<TensorCodec> codecs = new ArrayList<>();
        long[] rawBytes = {0};
        ModelProto skeleton = OnnxFiles.toProto(model, t -> {
            if (t.type() == DataType.STRING || t.type().bits() < 8 || t.byteSize() < 64) {
                return TensorProtos.toProto(t);
            }
            TensorCodec codec = TensorCodec.BITMASK;
            byte[] payload = null;
            long size = BitmaskCodec.encodedSize(t);
            if (HuffmanCodec.accepts(t)) {
                byte[] huffman = HuffmanCodec.encode(t);
                if (huffman.length < size) {
                    codec = TensorCodec.HUFFMAN;
                    payload = huffman;
                    size = huffman.length;
                }
            }
            if (size >= t.byteSize()) {
                return TensorProtos.toProto(t);
            }
            int index = packed.size();
            packed.add(t);
            payloads.add(payload != null ? payload : BitmaskCodec.encode(t));
            codecs.add(codec);
            rawBytes[0] += t.byteSize();
            return placeholder(t, index);
        });
        Path absolute = target.toAbsolutePath();
        refuseOverwritingInput(model, absolute);
        try {
            Files.createDirectories(absolute.getParent());
            Path tmp = OutputFiles.tempBeside(absolute);
            try {
                try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16))) {
                    out.write(MAGIC);
                    out.writeShort(VERSION);
                    out.writeShort(0);
                    byte[] proto = SkeletonDeflate.deflate(skeleton.toByteArray());
                    out.writeLong(proto.length);
                    out.write(proto);
                    out.writeInt(packed.size());
                    for (int i = 0; i < packed.size(); i++) {
                        byte[] payload = payloads.get(i);
                        out.writeByte(codecs.get(i).id());
                        out.writeLong(packed.get(i).numElements());
                        out.writeLong(payload.length);
                        out.write(payload);
                        out.writeInt((int) crc(payload));
                    }
                    out.write(TRAILER);
                }
                move(tmp, absolute);
            } finally {
                Files.deleteIfExists(tmp);
            }
            long packedBytes = payloads.stream().mapToLong(p -> p.length).sum();
            List<PackedTensor> tensors = new ArrayList<>();
            for (int i = 0; i < packed.size(); i++) {
                tensors.add(new PackedTensor(packed.get(i).name(), codecs.get(i), packed.get(i).numElements(), payloads.get(i).length));
            }
            return new PackResult(packed.size(), rawBytes[0], packedBytes, Files.size(absolute), tensors);
        } catch (IOException e) {
            throw NncjException.inFile(target, "cannot write: " + e.getMessage(), e);
        }
    }

    /** Reads a container back into a model whose tensors are all dense again. */
    public static OnnxModel read(Path file) {
        return unpack(file).model();
    }

    /** A container's model and what its packed tensors cost. */
    public record Unpacked(OnnxModel model, List<PackedTensor> tensors) {
        public Unpacked {
            tensors = List.copyOf(tensors);
        }
    }

    /** As {@link #read}, with each packed tensor's codec and payload size (the bits per weight a user asks about). */
    public static Unpacked unpack(Path file) {
        if (!Files.isRegularFile(file)) {
            throw NncjException.inFile(file, Files.exists(file) ? "is not a regular file" : "file not found");
        }
        String where = "its header";
        try (InputStream raw = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 16))) {
            byte[] magic = in.readNBytes(MAGIC.length);
            if (!Arrays.equals(magic, MAGIC)) {
                throw NncjException.inFile(file, "is not an NNCJ container (it does not start with NNCJPACK)");
            }
            int version = in.readUnsignedShort();
            in.readUnsignedShort(); // flags: none defined in versions 1 and 2
            if (version != VERSION && version != VERSION_RAW_SKELETON) {
                throw NncjException.inFile(file, "is NNCJ container version " + version + "; this NNCJ reads versions "
                        + VERSION_RAW_SKELETON + " and " + VERSION);
            }
            where = "its ONNX graph";
            long protoLength = in.readLong();
            checkLength(file, protoLength, where);
            byte[] proto = readFully(in, (int) protoLength);
            ModelProto skeleton = parse(file, version == VERSION_RAW_SKELETON ? proto : inflate(file, proto));
            int count = in.readInt();
            List<TensorProto> placeholders = placeholders(skeleton);
            if (count != placeholders.size()) {
                throw NncjException.inFile(file, "is corrupt: " + count + " packed tensors, the graph expects " + placeholders.size());
            }
            List<ByteString> restored = new ArrayList<>();
            List<PackedTensor> stats = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                TensorProto p = placeholders.get(i);
                where = "packed tensor " + p.getName() + " (" + (i + 1) + " of " + count + ")";
                restored.add(ByteString.copyFrom(readTensor(file, in, p, stats)));
            }
            where = "its end marker";
            if (!Arrays.equals(readFully(in, TRAILER.length), TRAILER)) {
                throw NncjException.inFile(file, "is corrupt: no end marker after the last tensor");
            }
            return new Unpacked(OnnxFiles.fromProto(fill(skeleton, restored), ExternalData.beside(file)), stats);
        } catch (EOFException e) {
            throw NncjException.inFile(file, "is truncated (it ends inside " + where + ")", e);
        } catch (IOException e) {
            throw NncjException.inFile(file, "cannot read: " + e.getMessage(), e);
        }
    }

    private static byte[] readTensor(Path file, DataInputStream in, TensorProto placeholder, List<PackedTensor> stats)
            throws IOException {
        String name = placeholder.getName();
        int codecId = in.readUnsignedByte();
        long elements = in.readLong();
        long length = in.readLong();
        long expected = placeholder.getDimsList().stream().mapToLong(Long::longValue).reduce(1, Math::multiplyExact);
        if (elements != expected) {
            throw NncjException.inFile(file, "is corrupt: packed tensor " + name + " has " + elements
                    + " elements, its shape says " + expected);
        }
        checkLength(file, length, "packed tensor " + name);
        byte[] payload = readFully(in, (int) length);
        long crc = in.readInt() & 0xffffffffL;
        if (crc != crc(payload)) {
            throw NncjException.inFile(file, "is corrupt: packed tensor " + name + " fails its CRC-32 check");
        }
        int width = DataType.fromCode(placeholder.getDataType()).bits() / 8;
        TensorCodec codec = TensorCodec.of(codecId).orElseThrow(() -> NncjException.inFile(file, "packed tensor " + name
                + " uses codec id " + codecId + ", which this NNCJ cannot decode (it knows 0 raw, 1 bitmask, 2 Huffman)"));
        stats.add(new PackedTensor(name, codec, elements, length));
        try {
            return switch (codec) {
                case RAW -> {
                    if (payload.length != elements * width) {
                        throw new IllegalArgumentException("raw payload has " + payload.length + " bytes");
                    }
                    yield payload;
                }
                case BITMASK -> BitmaskCodec.decode(payload, elements, width);
                case HUFFMAN -> {
                    if (width != 1) {
                        throw new IllegalArgumentException("Huffman coding is for uint8 tensors, this one has " + width + "-byte elements");
                    }
                    yield HuffmanCodec.decode(payload, elements);
                }
            };
        } catch (IllegalArgumentException e) {
            throw NncjException.inFile(file, "is corrupt: packed tensor " + name + ": " + e.getMessage(), e);
        }
    }

    private static TensorProto placeholder(Tensor t, int index) {
        TensorProto.Builder b = TensorProto.newBuilder()
                .setName(t.name())
                .setDataType(t.type().code())
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue(LOCATION))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("index").setValue(Integer.toString(index)));
        for (long d : t.shape()) {
            b.addDims(d);
        }
        return b.build();
    }

    private static boolean isPlaceholder(TensorProto t) {
        return t.getDataLocation() == TensorProto.DataLocation.EXTERNAL && t.getExternalDataList().stream()
                .anyMatch(e -> e.getKey().equals("location") && e.getValue().equals(LOCATION));
    }

    /** Placeholders in graph order, which is the order {@link #write} numbered them. */
    private static List<TensorProto> placeholders(ModelProto skeleton) {
        return skeleton.getGraph().getInitializerList().stream().filter(NncjContainer::isPlaceholder).toList();
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

    private static byte[] inflate(Path file, byte[] deflated) {
        try {
            return SkeletonDeflate.inflate(deflated);
        } catch (IllegalArgumentException e) {
            throw NncjException.inFile(file, "is corrupt: " + e.getMessage(), e);
        }
    }

    private static ModelProto parse(Path file, byte[] proto) {
        try {
            CodedInputStream coded = CodedInputStream.newInstance(proto);
            coded.setSizeLimit(Integer.MAX_VALUE);
            coded.setRecursionLimit(1000);
            ModelProto m = ModelProto.parseFrom(coded);
            if (!m.hasGraph()) {
                throw NncjException.inFile(file, "is corrupt: its ONNX graph is missing");
            }
            return m;
        } catch (InvalidProtocolBufferException e) {
            throw NncjException.inFile(file, "is corrupt: its ONNX graph does not parse", e);
        } catch (IOException e) {
            throw NncjException.inFile(file, "cannot read: " + e.getMessage(), e);
        }
    }

    /** A length beyond the file's own size means the file was cut short (or is garbage): say so before allocating. */
    private static void checkLength(Path file, long length, String where) throws IOException {
        if (length < 0 || length > Integer.MAX_VALUE) {
            throw NncjException.inFile(file, "is corrupt: " + where + " claims " + length + " bytes");
        }
        if (length > Files.size(file)) {
            throw new EOFException();
        }
    }

    private static byte[] readFully(DataInputStream in, int n) throws IOException {
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    private static long crc(byte[] payload) {
        CRC32 c = new CRC32();
        c.update(payload);
        return c.getValue();
    }

    private static void refuseOverwritingInput(OnnxModel model, Path target) {
        if (OnnxFiles.isSourceOf(model, target)) {
            throw NncjException.inFile(target, "refusing to overwrite the input model (choose another output)");
        }
    }

    private static void move(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
