package dev.nncj.sparsity;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.nncj.NncjException;
import dev.nncj.OutputFiles;
import dev.nncj.TempFiles;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.ExternalData;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.onnx.TensorProtos;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
 *
 * <p><b>Reading is bounded</b> ({@link ContainerReader}), since a container may come from anyone. A
 * few bytes can declare gigabytes (Huffman gaps code an all-zero uint8 tensor of any size in 21
 * bytes; zlib inflates up to 1032x), so every length and count is checked before anything is
 * allocated for it: against the bytes left in the file (a length past the end is "is truncated"),
 * the codec's minimum (a bitmask of n elements takes n / 8 bytes, every Huffman code at least one
 * bit, a raw tensor all its bytes), the skeleton's shape (non-negative dims, overflow-checked
 * products), and one ceiling for the whole decode: the inflated skeleton plus every initializer's
 * declared bytes may not pass 256 times the file's size (at least 1 MiB, so a toy model's all-zero
 * tensors unpack), nor the heap the JVM has free, nor one Java array (2 GB) per tensor. The format
 * declares no decoded total, so the ratio is the ceiling: real containers decode to 10x their size
 * at most (Deep-Compressed LeNet-300-100 at 8% kept: 27,633 bytes to 270,968, 9.8x; MiniLM at 90%
 * sparsity with its embeddings: 12.4 MB to 90.4 MB, 7.3x; a useless 99%-sparse LeNet, 44x), bitmask
 * alone cannot pass 32x (64x for float64), and deflate alone reaches 1032x, so 256x leaves real
 * containers a wide margin while a skeleton that is only a deflate bomb is always refused. The
 * skeleton inflates in two passes, counting and then filling an array of the counted size. Any
 * external data but the placeholders is refused: the writer never makes it, and following it would
 * read files beside the container (through a symbolic link there, any file).
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
                OutputFiles.moveIntoPlace(tmp, absolute);
            } finally {
                TempFiles.delete(tmp); // nothing to delete once it was moved into place
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

    /**
     * As {@link #read}, with each packed tensor's codec and payload size (the bits per weight a user
     * asks about). Bounded: a corrupt or hostile file is refused by name, see the class comment.
     */
    public static Unpacked unpack(Path file) {
        return ContainerReader.read(file);
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

    static long crc(byte[] payload) {
        CRC32 c = new CRC32();
        c.update(payload);
        return c.getValue();
    }

    private static void refuseOverwritingInput(OnnxModel model, Path target) {
        if (OnnxFiles.isSourceOf(model, target)) {
            throw NncjException.inFile(target, "refusing to overwrite the input model (choose another output)");
        }
    }

}
