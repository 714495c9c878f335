package dev.nncj.onnx;

import ai.onnx.proto.OnnxMl.SparseTensorProto;
import dev.nncj.NncjException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Refuses a model whose floating-point weights hold NaN or infinity. Compression methods assume
 * finite weights and fail silently otherwise: a block scale computed from NaN zeroes the whole block,
 * k-means over a NaN turns every centroid into NaN. A user handed such a model should hear which
 * tensor is broken before any method runs, not receive a wrong model with exit code 0.
 */
public final class FiniteWeights {
    private FiniteWeights() {}

    /**
     * Scans every floating-point initializer (sparse ones' values too) of {@code model}, read from
     * {@code file}.
     *
     * @throws NncjException "FILE: tensor T holds NaN at index I", naming the first non-finite value
     */
    public static void requireFinite(OnnxModel model, Path file) {
        for (Tensor t : model.graph().initializers().values()) {
            requireFinite(t, file);
        }
        for (SparseTensorProto sparse : model.graph().sparseInitializers()) {
            requireFinite(TensorProtos.fromProto(sparse.getValues(), ExternalData.beside(file)), file);
        }
    }

    private static void requireFinite(Tensor t, Path file) {
        if (!t.type().isFloatingPoint()) {
            return;
        }
        long index = firstNonFinite(t);
        if (index >= 0) {
            float value = t.toFloats()[(int) index]; // decoded again only to name the value
            throw NncjException.inFile(file, "tensor " + NncjException.printable(t.name()) + " holds " + (Float.isNaN(value) ? "NaN" : value > 0
                    ? "+Infinity" : "-Infinity") + " at index " + index + "; compressing it would give a wrong model");
        }
    }

    /** The first index holding NaN or an infinity, or -1; the common types are read in place, not copied. */
    private static long firstNonFinite(Tensor t) {
        ByteBuffer b = t.rawData();
        long n = t.numElements();
        switch (t.type()) {
            case FLOAT -> {
                for (int i = 0; i < n; i++) {
                    if (!Float.isFinite(b.getFloat(i * 4))) {
                        return i;
                    }
                }
            }
            case DOUBLE -> {
                for (int i = 0; i < n; i++) {
                    if (!Double.isFinite(b.getDouble(i * 8))) {
                        return i;
                    }
                }
            }
            // all exponent bits set is infinity or NaN in both 16-bit formats
            case FLOAT16 -> {
                for (int i = 0; i < n; i++) {
                    if ((b.getShort(i * 2) & 0x7c00) == 0x7c00) {
                        return i;
                    }
                }
            }
            case BFLOAT16 -> {
                for (int i = 0; i < n; i++) {
                    if ((b.getShort(i * 2) & 0x7f80) == 0x7f80) {
                        return i;
                    }
                }
            }
            default -> { // 8- and 4-bit floats: small tensors, decoded
                float[] values = t.toFloats();
                for (int i = 0; i < values.length; i++) {
                    if (!Float.isFinite(values[i])) {
                        return i;
                    }
                }
            }
        }
        return -1;
    }
}
