package dev.nncj.quantize;

import dev.nncj.onnx.DataType;
import dev.nncj.onnx.Tensor;

/**
 * A [K, N] float weight (x·W, K the reduction axis) quantized to 8 bits with one scale and zero point
 * per output column (per channel) or one for the whole matrix, and its three initializers.
 *
 * <p>Per channel is the default because a column's error scales with its own largest weight only:
 * with one scale for the matrix, columns of small weights are left with a few levels.
 *
 * <p>A symmetric weight is stored as int8 with zero point 0 (the same levels as uint8 around 128, shifted):
 * ONNX Runtime's uint8·uint8 kernel costs 1.23x the time of its uint8·int8 one on an AVX2 AMD EPYC
 * (bench/results/2026-12-03-int8-avx2.md), and the two were at parity on the AMX Xeon measured before. An
 * asymmetric weight needs uint8's zero point and stays uint8.
 */
public record QuantizedMatrix(long rows, long cols, long[] values, float[] scales, long[] zeroPoints) {

    public static QuantizedMatrix of(Tensor weight, boolean perChannel, boolean symmetric) {
        if (weight.rank() != 2) {
            throw new IllegalArgumentException(weight.name() + " is not a matrix");
        }
        UInt8Channels q = UInt8Channels.of(weight, 1, perChannel, symmetric);
        return new QuantizedMatrix(weight.dim(0), weight.dim(1), q.values(), q.scales(), q.zeroPoints());
    }

    /** A [K, N] matrix from a Gemm's transposed [N, K] weight. */
    public static Tensor transposed(Tensor weightNk) {
        int n = Math.toIntExact(weightNk.dim(0));
        int k = Math.toIntExact(weightNk.dim(1));
        float[] w = weightNk.toFloats();
        float[] t = new float[w.length];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < k; j++) {
                t[j * n + i] = w[i * k + j];
            }
        }
        return Tensor.ofFloats(weightNk.name(), new long[] {k, n}, t);
    }

    public Tensor valuesTensor(String name) {
        return Tensor.encodeLongs(name, storedType(), new long[] {rows, cols}, signed() ? shifted(values) : values);
    }

    /** Scales as a scalar (per tensor) or [N] (per channel), the shapes MatMulIntegerToFloat takes. */
    public Tensor scaleTensor(String name) {
        return Tensor.ofFloats(name, scales.length == 1 ? new long[0] : new long[] {scales.length}, scales);
    }

    public Tensor zeroPointTensor(String name) {
        return Tensor.encodeLongs(name, storedType(), zeroPoints.length == 1 ? new long[0]
                : new long[] {zeroPoints.length}, signed() ? shifted(zeroPoints) : zeroPoints);
    }

    /** int8 when every zero point is the symmetric one, else uint8. */
    DataType storedType() {
        return signed() ? DataType.INT8 : DataType.UINT8;
    }

    private boolean signed() {
        return java.util.Arrays.stream(zeroPoints).allMatch(z -> z == UInt8Params.SYMMETRIC_ZERO_POINT);
    }

    private static long[] shifted(long[] uint8) {
        return java.util.Arrays.stream(uint8).map(v -> v - UInt8Params.SYMMETRIC_ZERO_POINT).toArray();
    }
}
