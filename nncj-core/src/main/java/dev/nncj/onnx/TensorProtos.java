package dev.nncj.onnx;

import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.nncj.NncjException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
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
     * Decodes a tensor whose data is in the proto itself (a node attribute, a tensor built in memory).
     *
     * @throws NncjException "tensor T: reason" for a malformed tensor or one naming external data
     */
    public static Tensor fromProto(TensorProto proto) {
        return fromProto(proto, null);
    }

    /**
     * Decodes a tensor of a model, checking every count against its declared type and shape first.
     * {@code source} resolves external data (memory-mapped, not copied onto the heap) and names the
     * model file in refusals; null for a proto without a model.
     *
     * @throws NncjException "MODEL: tensor T: reason" for an unknown type, a negative or overflowing
     *     shape, data shorter or longer than the shape needs, or external data {@link ExternalData} refuses
     */
    public static Tensor fromProto(TensorProto proto, ExternalData source) {
        Path file = source == null ? null : source.modelFile();
        String name = proto.getName();
        if (proto.hasSegment()) {
            throw invalid(file, name, "segmented, which ONNX no longer supports");
        }
        DeclaredTensor declared = DeclaredTensor.of(proto, file).requireHoldable(file);
        long[] shape = declared.shape();
        if (declared.type() == DataType.STRING) {
            if (proto.getStringDataCount() != declared.elements()) {
                throw invalid(file, name, proto.getStringDataCount() + " strings, but its shape "
                        + declared.shapeText() + " needs " + declared.elements());
            }
            List<byte[]> values = new ArrayList<>();
            for (ByteString s : proto.getStringDataList()) {
                values.add(s.toByteArray());
            }
            return Tensor.ofStrings(name, shape, values);
        }
        if (proto.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            if (source == null) {
                throw invalid(null, name, "data in an external file, but no model folder to read it from");
            }
            return Tensor.ofRaw(name, declared.type(), shape, source.read(proto));
        }
        if (!proto.getRawData().isEmpty()) {
            if (proto.getRawData().size() != declared.bytes()) {
                throw invalid(file, name, proto.getRawData().size() + " bytes of raw data, but its "
                        + declared.type().displayName() + " shape " + declared.shapeText() + " needs " + declared.bytes());
            }
            return Tensor.ofRaw(name, declared.type(), shape, proto.getRawData().asReadOnlyByteBuffer());
        }
        return Tensor.ofRaw(name, declared.type(), shape, typedFieldsToRaw(proto, declared, file));
    }

    /**
     * "MODEL: tensor T: problem" (or "tensor T: problem" without a model), the form every malformed tensor
     * takes. Names and locations come from the file, so control characters are escaped: a model must not
     * write terminal escapes or line breaks into the one line the user reads.
     */
    static NncjException invalid(Path modelFile, String tensorName, String problem) {
        String message = NncjException.printable("tensor " + (tensorName.isEmpty() ? "(unnamed)" : tensorName) + ": " + problem);
        return modelFile == null ? new NncjException(message) : NncjException.inFile(modelFile, message);
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

    /**
     * The typed repeated field's values in raw_data layout. The field must hold exactly the values the
     * shape needs, counted before anything is allocated (a huge shape over an empty field is refused,
     * not allocated).
     */
    private static ByteBuffer typedFieldsToRaw(TensorProto p, DeclaredTensor declared, Path file) {
        DataType type = declared.type();
        int count = switch (type) {
            case FLOAT, COMPLEX64 -> p.getFloatDataCount();
            case DOUBLE, COMPLEX128 -> p.getDoubleDataCount();
            case INT64 -> p.getInt64DataCount();
            case UINT32, UINT64 -> p.getUint64DataCount();
            default -> p.getInt32DataCount();
        };
        int width = switch (type) {
            case FLOAT, COMPLEX64, INT32, UINT32 -> 4;
            case DOUBLE, COMPLEX128, INT64, UINT64 -> 8;
            case INT16, UINT16, FLOAT16, BFLOAT16 -> 2;
            default -> 1; // 8-bit types one value per int32, 4-bit types one byte of two packed values
        };
        long expected = declared.bytes() / width;
        if (count != expected) {
            throw invalid(file, declared.name(), count + " values, but its " + type.displayName() + " shape "
                    + declared.shapeText() + " needs " + expected);
        }
        ByteBuffer buf = ByteBuffer.allocate((int) declared.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case FLOAT, COMPLEX64 -> p.getFloatDataList().forEach(buf::putFloat);
            case DOUBLE, COMPLEX128 -> p.getDoubleDataList().forEach(buf::putDouble);
            case INT64 -> p.getInt64DataList().forEach(buf::putLong);
            case UINT32 -> p.getUint64DataList().forEach(v -> buf.putInt((int) (long) v));
            case UINT64 -> p.getUint64DataList().forEach(buf::putLong);
            case INT32 -> p.getInt32DataList().forEach(buf::putInt);
            case INT16, UINT16, FLOAT16, BFLOAT16 -> p.getInt32DataList().forEach(v -> buf.putShort((short) (int) v));
            default -> p.getInt32DataList().forEach(v -> buf.put((byte) (int) v));
        }
        return buf.rewind();
    }
}
