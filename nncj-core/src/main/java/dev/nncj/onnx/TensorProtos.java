package dev.nncj.onnx;

import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.nncj.NncjException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Converts between TensorProto and {@link Tensor}. Reads every encoding ONNX allows: raw_data, the
 * typed repeated fields (float_data, int32_data holding int8/float16/float8/4-bit values,
 * int64_data, double_data, uint64_data, string_data) and external data files. Writes raw_data,
 * which is what PyTorch and ONNX Runtime write and the fastest to read.
 */
public final class TensorProtos {
    private TensorProtos() {}

    /**
     * Decodes a tensor. {@code baseDir} resolves external data locations (the model's directory);
     * external files are memory-mapped, not copied onto the heap.
     */
    public static Tensor fromProto(TensorProto proto, Path baseDir) {
        DataType type = DataType.fromCode(proto.getDataType());
        long[] shape = proto.getDimsList().stream().mapToLong(Long::longValue).toArray();
        String name = proto.getName();
        if (proto.hasSegment()) {
            throw new IllegalArgumentException("tensor " + name + " is segmented, which ONNX no longer supports");
        }
        if (type == DataType.STRING) {
            List<byte[]> values = new ArrayList<>();
            for (ByteString s : proto.getStringDataList()) {
                values.add(s.toByteArray());
            }
            return Tensor.ofStrings(name, shape, values);
        }
        if (proto.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            return Tensor.ofRaw(name, type, shape, readExternal(proto, baseDir));
        }
        if (!proto.getRawData().isEmpty()) {
            return Tensor.ofRaw(name, type, shape, proto.getRawData().asReadOnlyByteBuffer());
        }
        return Tensor.ofRaw(name, type, shape, typedFieldsToRaw(proto, type));
    }

    /** Encodes a tensor as raw_data (strings as string_data). */
    public static TensorProto toProto(Tensor tensor) {
        TensorProto.Builder b = TensorProto.newBuilder()
                .setName(tensor.name())
                .setDataType(tensor.type().code());
        for (long d : tensor.shape()) {
            b.addDims(d);
        }
        if (tensor.type() == DataType.STRING) {
            for (byte[] s : tensor.strings()) {
                b.addStringData(ByteString.copyFrom(s));
            }
        } else {
            // the tensor is immutable, so sharing its buffer with the proto without a copy is safe
            b.setRawData(UnsafeByteOperations.unsafeWrap(tensor.rawData()));
        }
        return b.build();
    }

    /** A proto whose data lives in an external file at {@code location}, {@code offset}. */
    public static TensorProto toExternalProto(Tensor tensor, String location, long offset) {
        TensorProto.Builder b = TensorProto.newBuilder()
                .setName(tensor.name())
                .setDataType(tensor.type().code())
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(entry("location", location))
                .addExternalData(entry("offset", Long.toString(offset)))
                .addExternalData(entry("length", Long.toString(tensor.byteSize())));
        for (long d : tensor.shape()) {
            b.addDims(d);
        }
        return b.build();
    }

    private static StringStringEntryProto entry(String key, String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }

    private static ByteBuffer readExternal(TensorProto proto, Path baseDir) {
        String location = null;
        long offset = 0;
        long length = -1;
        for (StringStringEntryProto e : proto.getExternalDataList()) {
            switch (e.getKey()) {
                case "location" -> location = e.getValue();
                case "offset" -> offset = Long.parseLong(e.getValue());
                case "length" -> length = Long.parseLong(e.getValue());
                default -> { } // checksum and future keys are not needed to read
            }
        }
        if (location == null) {
            throw new IllegalArgumentException("tensor " + proto.getName() + " is external but names no location");
        }
        Path file = baseDir.resolve(location).normalize();
        if (!file.startsWith(baseDir.normalize())) {
            throw NncjException.inFile(file, "external data of tensor " + proto.getName()
                    + " points outside the model's directory");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (length < 0) {
                length = size - offset;
            }
            if (offset + length > size) {
                throw NncjException.inFile(file, "external data of tensor " + proto.getName()
                        + " ends at byte " + (offset + length) + " but the file has " + size + " (truncated?)");
            }
            if (length > Integer.MAX_VALUE) {
                throw NncjException.inFile(file, "tensor " + proto.getName() + " is larger than 2 GB, which NNCJ cannot hold in one buffer");
            }
            // mapping stays valid after the channel closes; the OS pages it in on demand
            return ch.map(FileChannel.MapMode.READ_ONLY, offset, length).order(ByteOrder.LITTLE_ENDIAN);
        } catch (NoSuchFileException e) {
            throw NncjException.inFile(file, "external data file of tensor " + proto.getName() + " not found");
        } catch (IOException e) {
            throw NncjException.inFile(file, "cannot read external data: " + e.getMessage(), e);
        }
    }

    private static ByteBuffer typedFieldsToRaw(TensorProto p, DataType type) {
        long n = 1;
        for (long d : p.getDimsList()) {
            n *= d;
        }
        ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(type.storageBytes(n))).order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case FLOAT -> p.getFloatDataList().forEach(buf::putFloat);
            case COMPLEX64 -> p.getFloatDataList().forEach(buf::putFloat);
            case DOUBLE, COMPLEX128 -> p.getDoubleDataList().forEach(buf::putDouble);
            case INT64 -> p.getInt64DataList().forEach(buf::putLong);
            case UINT32 -> p.getUint64DataList().forEach(v -> buf.putInt((int) (long) v));
            case UINT64 -> p.getUint64DataList().forEach(buf::putLong);
            case INT32 -> p.getInt32DataList().forEach(buf::putInt);
            case INT16, UINT16, FLOAT16, BFLOAT16 -> p.getInt32DataList().forEach(v -> buf.putShort((short) (int) v));
            // 4-bit types: each int32 holds one byte of two packed values (low nibble first)
            default -> p.getInt32DataList().forEach(v -> buf.put((byte) (int) v));
        }
        if (buf.position() != buf.capacity()) {
            throw new IllegalArgumentException("tensor " + p.getName() + " of shape " + p.getDimsList()
                    + " holds " + buf.position() + " bytes of values, expected " + buf.capacity());
        }
        return buf.rewind();
    }
}
