package dev.nncj.sparsity;

import dev.nncj.onnx.Tensor;
import java.nio.ByteBuffer;

/**
 * Bitmask coding of a sparse tensor: ceil(n / 8) bytes of mask (element i is non-zero when bit
 * i % 8, least significant first, of byte i / 8 is set), then the bytes of the non-zero elements in
 * order. "Zero" means every byte zero (+0.0), so -0.0 survives. A float32 tensor at density d costs
 * n / 8 + 4 d n bytes instead of 4 n: 0.23x at d = 0.2, and it pays below d = 0.97, where ONNX's
 * sparse_initializer (4 + 4 bytes per non-zero) pays below 0.5 and gives 0.4x at d = 0.2.
 */
public final class BitmaskCodec {
    private BitmaskCodec() {}

    /** The payload size for {@code tensor}, without building it. */
    public static long encodedSize(Tensor tensor) {
        int width = width(tensor);
        long n = tensor.numElements();
        return (n + 7) / 8 + nonZeros(tensor.rawData(), n, width) * width;
    }

    public static byte[] encode(Tensor tensor) {
        int width = width(tensor);
        int n = Math.toIntExact(tensor.numElements());
        ByteBuffer raw = tensor.rawData();
        long nnz = nonZeros(raw, n, width);
        int maskBytes = (n + 7) / 8;
        byte[] out = new byte[Math.toIntExact(maskBytes + nnz * width)];
        int pos = maskBytes;
        for (int i = 0; i < n; i++) {
            int at = i * width;
            if (!zero(raw, at, width)) {
                out[i >>> 3] |= (byte) (1 << (i & 7));
                raw.get(at, out, pos, width);
                pos += width;
            }
        }
        return out;
    }

    /**
     * The raw_data bytes of {@code elements} elements of {@code width} bytes.
     *
     * @throws IllegalArgumentException when the payload's length does not match its mask
     */
    public static byte[] decode(byte[] payload, long elements, int width) {
        if (width < 1 || elements < 0 || elements > (Integer.MAX_VALUE - 8) / width) {
            throw new IllegalArgumentException(elements + " elements of " + width + " bytes do not fit in one array");
        }
        int n = (int) elements;
        int maskBytes = (int) ((n + 7L) / 8);
        if (payload.length < maskBytes) {
            throw new IllegalArgumentException("bitmask payload of " + payload.length + " bytes is shorter than its mask ("
                    + maskBytes + ")");
        }
        long nnz = 0;
        for (int b = 0; b < maskBytes; b++) {
            nnz += Integer.bitCount(payload[b] & 0xff);
        }
        if (payload.length != maskBytes + nnz * width) {
            throw new IllegalArgumentException("bitmask payload has " + payload.length + " bytes, its mask says "
                    + (maskBytes + nnz * width));
        }
        byte[] dense = new byte[Math.toIntExact((long) n * width)];
        int pos = maskBytes;
        for (int i = 0; i < n; i++) {
            if ((payload[i >>> 3] & (1 << (i & 7))) != 0) {
                System.arraycopy(payload, pos, dense, i * width, width);
                pos += width;
            }
        }
        return dense;
    }

    static int width(Tensor tensor) {
        int bits = tensor.type().bits();
        if (bits < 8 || tensor.type() == dev.nncj.onnx.DataType.STRING) {
            throw new IllegalArgumentException("tensor " + tensor.name() + " of type " + tensor.type().displayName()
                    + " has no whole-byte elements");
        }
        return bits / 8;
    }

    private static long nonZeros(ByteBuffer raw, long n, int width) {
        long nnz = 0;
        for (long i = 0; i < n; i++) {
            if (!zero(raw, (int) (i * width), width)) {
                nnz++;
            }
        }
        return nnz;
    }

    private static boolean zero(ByteBuffer raw, int at, int width) {
        for (int b = 0; b < width; b++) {
            if (raw.get(at + b) != 0) {
                return false;
            }
        }
        return true;
    }
}
