package dev.nncj.onnx;

import ai.onnx.proto.OnnxMl.TensorProto;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * What a TensorProto declares about its values, checked before any of them is read: a known element
 * type, no negative dimension, and element and byte counts that fit a long. Decoders then size their
 * buffers from these counts, never from a product that wrapped around.
 */
record DeclaredTensor(String name, DataType type, long[] shape, long elements, long bytes) {
    /** NNCJ holds a tensor in one buffer and its values in one Java array. */
    private static final long MAX_HELD = Integer.MAX_VALUE - 8;

    /** @throws dev.nncj.NncjException "MODEL: tensor T: reason" for an unknown type or an impossible shape */
    static DeclaredTensor of(TensorProto proto, Path modelFile) {
        String name = proto.getName();
        DataType type;
        try {
            type = DataType.fromCode(proto.getDataType());
        } catch (IllegalArgumentException e) {
            throw TensorProtos.invalid(modelFile, name, "unknown data type " + proto.getDataType());
        }
        long[] shape = proto.getDimsList().stream().mapToLong(Long::longValue).toArray();
        long elements = 1;
        for (long d : shape) {
            if (d < 0) {
                throw TensorProtos.invalid(modelFile, name, "negative dimension in shape " + Arrays.toString(shape));
            }
        }
        try {
            for (long d : shape) {
                elements = Math.multiplyExact(elements, d);
            }
            Math.addExact(Math.multiplyExact(elements, (long) type.bits()), 7); // what storageBytes computes
        } catch (ArithmeticException e) {
            throw TensorProtos.invalid(modelFile, name, "shape " + Arrays.toString(shape)
                    + " has more elements than a 64-bit count holds");
        }
        return new DeclaredTensor(name, type, shape, elements, type.storageBytes(elements));
    }

    /** Refuses a tensor too large for one buffer, before anything is allocated or mapped. */
    DeclaredTensor requireHoldable(Path modelFile) {
        if (bytes > MAX_HELD || elements > MAX_HELD) {
            throw TensorProtos.invalid(modelFile, name, "shape " + shapeText() + " (" + elements + " elements, "
                    + bytes + " bytes) is too large; NNCJ holds at most 2^31 - 9 of each in one tensor");
        }
        return this;
    }

    String shapeText() {
        return Arrays.toString(shape);
    }
}
