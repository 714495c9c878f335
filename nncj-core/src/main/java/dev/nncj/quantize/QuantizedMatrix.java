package dev.nncj.quantize;

import dev.nncj.onnx.DataType;
import dev.nncj.onnx.Tensor;

/**
 * A [K, N] float weight (x·W, K the reduction axis) quantized to 8 bits with one scale and zero point
 * per output column (per channel) or one for the whole matrix, and its three initializers.
 *
 * <p>Symmetric weights are int8 on 7 bits ({@link Int8Params#forWeights}: |q| ≤ 63, zero point 0), so
 * that ONNX Runtime's fast u8·s8 GEMM cannot saturate; asymmetric ones are uint8 over 255 steps with
 * a zero point ({@link UInt8Params}), which ORT multiplies with its slower u8·u8 kernel.
 *
 * <p>Per channel is the default because a column's error scales with its own largest weight only:
 * with one scale for the matrix, columns of small weights are left with a few levels.
 *
 * @param signed whether {@code values} are int8 codes (zero points all 0) rather than uint8 ones
 */
public record QuantizedMatrix(long rows, long cols, long[] values, float[] scales, long[] zeroPoints, boolean signed) {

    public static QuantizedMatrix of(Tensor weight, boolean perChannel, boolean symmetric) {
        if (weight.rank() != 2) {
            throw new IllegalArgumentException(weight.name() + " is not a matrix");
        }
        int k = Math.toIntExact(weight.dim(0));
        int n = Math.toIntExact(weight.dim(1));
        float[] w = weight.toFloats();
        int groups = perChannel ? n : 1;
        float[] scales = new float[groups];
        long[] zps = new long[groups];
        Int8Params[] signedParams = new Int8Params[groups];
        UInt8Params[] unsignedParams = new UInt8Params[groups];
        for (int g = 0; g < groups; g++) {
            float lo = Float.POSITIVE_INFINITY;
            float hi = Float.NEGATIVE_INFINITY;
            for (int r = 0; r < k; r++) {
                for (int c = perChannel ? g : 0; c < (perChannel ? g + 1 : n); c++) {
                    float v = w[r * n + c];
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
            if (symmetric) {
                signedParams[g] = Int8Params.forWeights(Math.max(Math.abs(lo), Math.abs(hi)));
                scales[g] = signedParams[g].scale();
            } else {
                unsignedParams[g] = UInt8Params.forRange(lo, hi, false);
                scales[g] = unsignedParams[g].scale();
                zps[g] = unsignedParams[g].zeroPoint();
            }
        }
        long[] q = new long[w.length];
        for (int r = 0; r < k; r++) {
            for (int c = 0; c < n; c++) {
                int g = perChannel ? c : 0;
                q[r * n + c] = symmetric ? signedParams[g].quantize(w[r * n + c]) : unsignedParams[g].quantize(w[r * n + c]);
            }
        }
        return new QuantizedMatrix(k, n, q, scales, zps, symmetric);
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

    private DataType type() {
        return signed ? DataType.INT8 : DataType.UINT8;
    }

    public Tensor valuesTensor(String name) {
        return Tensor.encodeLongs(name, type(), new long[] {rows, cols}, values);
    }

    /** Scales as a scalar (per tensor) or [N] (per channel), the shapes MatMulIntegerToFloat takes. */
    public Tensor scaleTensor(String name) {
        return Tensor.ofFloats(name, scales.length == 1 ? new long[0] : new long[] {scales.length}, scales);
    }

    public Tensor zeroPointTensor(String name) {
        return Tensor.encodeLongs(name, type(), zeroPoints.length == 1 ? new long[0] : new long[] {zeroPoints.length},
                zeroPoints);
    }
}
