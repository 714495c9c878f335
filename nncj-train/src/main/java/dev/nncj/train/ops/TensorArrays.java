package dev.nncj.train.ops;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.nncj.NncjException;
import dev.nncj.onnx.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Converts between the IR's {@link Tensor} (ONNX raw_data bytes) and DJL's NDArray, type by type. */
public final class TensorArrays {
    private TensorArrays() {}

    /** A new array holding {@code tensor}'s values in {@code manager}; types PyTorch lacks are refused. */
    public static NDArray toArray(NDManager manager, Tensor tensor) {
        ai.djl.ndarray.types.DataType type = djlType(tensor.type(), tensor.name());
        ByteBuffer raw = tensor.rawData();
        // PyTorch reads the buffer in native order; ONNX raw_data is little-endian, so copy into a
        // direct native-order buffer (a no-op reordering on x86, correct on any machine).
        ByteBuffer direct = ByteBuffer.allocateDirect(raw.remaining()).order(ByteOrder.nativeOrder());
        if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            direct.put(raw.duplicate());
        } else {
            copySwapped(raw, direct, type.getNumOfBytes());
        }
        direct.rewind();
        return manager.create(direct, new Shape(tensor.shape()), type);
    }

    /** The values of {@code array} as an IR tensor of the matching ONNX type. */
    public static Tensor toTensor(String name, NDArray array) {
        dev.nncj.onnx.DataType type = onnxType(array.getDataType());
        ByteBuffer bytes = array.toByteBuffer().order(ByteOrder.nativeOrder());
        ByteBuffer le = ByteBuffer.allocate(bytes.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            le.put(bytes);
        } else {
            copySwapped(bytes, le, array.getDataType().getNumOfBytes());
        }
        le.flip();
        return Tensor.ofRaw(name, type, array.getShape().getShape(), le);
    }

    public static ai.djl.ndarray.types.DataType djlType(dev.nncj.onnx.DataType type, String what) {
        return switch (type) {
            case FLOAT -> ai.djl.ndarray.types.DataType.FLOAT32;
            case DOUBLE -> ai.djl.ndarray.types.DataType.FLOAT64;
            case FLOAT16 -> ai.djl.ndarray.types.DataType.FLOAT16;
            case BFLOAT16 -> ai.djl.ndarray.types.DataType.BFLOAT16;
            case INT64 -> ai.djl.ndarray.types.DataType.INT64;
            case INT32 -> ai.djl.ndarray.types.DataType.INT32;
            case INT16 -> ai.djl.ndarray.types.DataType.INT16;
            case INT8 -> ai.djl.ndarray.types.DataType.INT8;
            case UINT8 -> ai.djl.ndarray.types.DataType.UINT8;
            case BOOL -> ai.djl.ndarray.types.DataType.BOOLEAN;
            default -> throw new NncjException(what + ": element type " + type.displayName()
                    + " has no PyTorch equivalent for training");
        };
    }

    public static dev.nncj.onnx.DataType onnxType(ai.djl.ndarray.types.DataType type) {
        return switch (type) {
            case FLOAT32 -> dev.nncj.onnx.DataType.FLOAT;
            case FLOAT64 -> dev.nncj.onnx.DataType.DOUBLE;
            case FLOAT16 -> dev.nncj.onnx.DataType.FLOAT16;
            case BFLOAT16 -> dev.nncj.onnx.DataType.BFLOAT16;
            case INT64 -> dev.nncj.onnx.DataType.INT64;
            case INT32 -> dev.nncj.onnx.DataType.INT32;
            case INT16 -> dev.nncj.onnx.DataType.INT16;
            case INT8 -> dev.nncj.onnx.DataType.INT8;
            case UINT8 -> dev.nncj.onnx.DataType.UINT8;
            case BOOLEAN -> dev.nncj.onnx.DataType.BOOL;
            default -> throw new IllegalArgumentException("no ONNX type for " + type);
        };
    }

    private static void copySwapped(ByteBuffer from, ByteBuffer to, int width) {
        ByteBuffer src = from.duplicate();
        byte[] element = new byte[width];
        while (src.remaining() >= width) {
            src.get(element);
            for (int i = width - 1; i >= 0; i--) {
                to.put(element[i]);
            }
        }
    }
}
