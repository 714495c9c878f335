package dev.nncj.sparsity;

import ai.onnx.proto.OnnxMl.SparseTensorProto;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.Tensor;
import dev.nncj.onnx.ExternalData;
import dev.nncj.onnx.TensorProtos;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * ONNX sparse_initializer encoding (SparseTensorProto in COO form): {@code values} holds the
 * non-zero elements in row-major order, {@code indices} their linear positions, {@code dims} the
 * dense shape. ONNX Runtime 1.23's CPU provider loads this and densifies it while building the
 * graph (checked in SparseInitializersTest): indices may be int8, int16, int32 or int64 (unsigned
 * types are refused), linear [NNZ] or per-axis [NNZ, rank]. We write linear indices in the smallest
 * signed type that holds numElements - 1, so one non-zero float32 costs 4 + 4 bytes in a tensor of
 * up to 2^31 elements (4 + 2 below 32,768): storing sparsely pays below density
 * 4 / (4 + 4) = 0.5 for float32 and is skipped above it.
 *
 * <p>Only elements whose bytes are all zero (+0.0) are dropped, so decoding gives back every bit,
 * -0.0 included.
 */
public final class SparseInitializers {
    private SparseInitializers() {}

    /** The sparse form of {@code tensor} when it is smaller than the dense one. */
    public static Optional<SparseTensorProto> encodeIfSmaller(Tensor tensor) {
        if (tensor.type() == DataType.STRING || tensor.type().bits() < 8) {
            return Optional.empty();
        }
        int width = tensor.type().bits() / 8;
        long n = tensor.numElements();
        ByteBuffer raw = tensor.rawData();
        long nnz = 0;
        for (long i = 0; i < n; i++) {
            if (!isZero(raw, (int) (i * width), width)) {
                nnz++;
            }
        }
        DataType indexType = indexType(n);
        long sparseBytes = nnz * (width + indexType.bits() / 8);
        if (sparseBytes >= tensor.byteSize()) {
            return Optional.empty();
        }
        ByteBuffer values = ByteBuffer.allocate(Math.toIntExact(nnz * width)).order(ByteOrder.LITTLE_ENDIAN);
        long[] indices = new long[Math.toIntExact(nnz)];
        int k = 0;
        byte[] element = new byte[width];
        for (long i = 0; i < n; i++) {
            int at = (int) (i * width);
            if (!isZero(raw, at, width)) {
                raw.get(at, element);
                values.put(element);
                indices[k++] = i;
            }
        }
        Tensor valueTensor = Tensor.ofRaw(tensor.name(), tensor.type(), new long[] {nnz}, values.flip());
        Tensor indexTensor = Tensor.encodeLongs("", indexType, new long[] {nnz}, indices);
        SparseTensorProto.Builder b = SparseTensorProto.newBuilder()
                .setValues(TensorProtos.toProto(valueTensor))
                .setIndices(TensorProtos.toProto(indexTensor));
        for (long d : tensor.shape()) {
            b.addDims(d);
        }
        return Optional.of(b.build());
    }

    /** The initializer's name: ONNX puts it on the values tensor. */
    public static String name(SparseTensorProto sparse) {
        return sparse.getValues().getName();
    }

    /** The dense tensor, zeros filled in (linear or per-axis indices of any integer type). */
    public static Tensor decode(SparseTensorProto sparse, Path baseDir) {
        ExternalData source = ExternalData.inFolder(baseDir);
        Tensor values = TensorProtos.fromProto(sparse.getValues(), source);
        Tensor indices = TensorProtos.fromProto(sparse.getIndices(), source);
        long[] shape = sparse.getDimsList().stream().mapToLong(Long::longValue).toArray();
        String name = values.name();
        if (values.type() == DataType.STRING || values.type().bits() < 8) {
            throw new IllegalArgumentException("sparse initializer " + name + " has values of type "
                    + values.type().displayName() + ", which NNCJ cannot expand");
        }
        long n = Arrays.stream(shape).reduce(1, Math::multiplyExact);
        int width = values.type().bits() / 8;
        long nnz = values.numElements();
        long[] idx = indices.numElements() == 0 ? new long[0] : indices.toLongs();
        boolean perAxis = indices.rank() == 2;
        if (idx.length != (perAxis ? nnz * shape.length : nnz)) {
            throw new IllegalArgumentException("sparse initializer " + name + " has " + nnz + " values but indices of shape "
                    + Arrays.toString(indices.shape()));
        }
        byte[] dense = new byte[Math.toIntExact(n * width)];
        ByteBuffer src = values.rawData();
        for (int v = 0; v < nnz; v++) {
            long linear;
            if (perAxis) {
                linear = 0;
                for (int a = 0; a < shape.length; a++) {
                    linear = linear * shape[a] + idx[v * shape.length + a];
                }
            } else {
                linear = idx[v];
            }
            if (linear < 0 || linear >= n) {
                throw new IllegalArgumentException("sparse initializer " + name + " has index " + linear
                        + " outside its " + n + " elements");
            }
            src.get(v * width, dense, (int) (linear * width), width);
        }
        return Tensor.ofRaw(name, values.type(), shape, ByteBuffer.wrap(dense));
    }

    /** The smallest signed integer type ONNX Runtime accepts for linear indices below n. */
    static DataType indexType(long n) {
        if (n - 1 <= Byte.MAX_VALUE) {
            return DataType.INT8;
        }
        if (n - 1 <= Short.MAX_VALUE) {
            return DataType.INT16;
        }
        return n - 1 <= Integer.MAX_VALUE ? DataType.INT32 : DataType.INT64;
    }

    private static boolean isZero(ByteBuffer raw, int at, int width) {
        for (int b = 0; b < width; b++) {
            if (raw.get(at + b) != 0) {
                return false;
            }
        }
        return true;
    }
}
