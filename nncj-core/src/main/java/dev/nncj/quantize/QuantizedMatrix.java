package dev.nncj.quantize;

import dev.nncj.onnx.DataType;
import dev.nncj.onnx.Tensor;

/**
 * A [K, N] float weight (x·W, K the reduction axis) quantized to uint8 with one scale and zero point
 * per output column (per channel) or one for the whole matrix, and its three initializers.
 *
 * <p>Per channel is the default because a column's error scales with its own largest weight only:
 * with one scale for the matrix, columns of small weights are left with a few levels.
 */
public record QuantizedMatrix(long rows, long cols, long[] values, float[] scales, long[] zeroPoints) {

    public static QuantizedMatrix of(Tensor weight, boolean perChannel, boolean symmetric) {
        if (weight.rank() != 2) {
            throw new IllegalArgumentException(weight.name() + " is not a matrix");
        }
        int k = Math.toIntExact(weight.dim(0));
        int n = Math.toIntExact(weight.dim(1));
        float[] w = weight.toFloats();
        int groups = perChannel ? n : 1;
        UInt8Params[] params = new UInt8Params[groups];
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
            params[g] = UInt8Params.forRange(lo, hi, symmetric);
        }
        long[] q = new long[w.length];
        for (int r = 0; r < k; r++) {
            for (int c = 0; c < n; c++) {
                q[r * n + c] = params[perChannel ? c : 0].quantize(w[r * n + c]);
            }
        }
        float[] scales = new float[groups];
        long[] zps = new long[groups];
        for (int g = 0; g < groups; g++) {
            scales[g] = params[g].scale();
            zps[g] = params[g].zeroPoint();
        }
        return new QuantizedMatrix(k, n, q, scales, zps);
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
        return Tensor.encodeLongs(name, DataType.UINT8, new long[] {rows, cols}, values);
    }

    /** Scales as a scalar (per tensor) or [N] (per channel), the shapes MatMulIntegerToFloat takes. */
    public Tensor scaleTensor(String name) {
        return Tensor.ofFloats(name, scales.length == 1 ? new long[0] : new long[] {scales.length}, scales);
    }

    public Tensor zeroPointTensor(String name) {
        return Tensor.encodeLongs(name, DataType.UINT8, zeroPoints.length == 1 ? new long[0]
                : new long[] {zeroPoints.length}, zeroPoints);
    }
}
