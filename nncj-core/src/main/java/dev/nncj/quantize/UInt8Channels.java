package dev.nncj.quantize;

import dev.nncj.onnx.Tensor;

/**
 * A float weight of any shape quantized to uint8 with one {@link UInt8Params} per slice along one
 * axis (per channel) or one for the whole tensor: the arithmetic behind both integer MatMuls
 * ({@link QuantizedMatrix}) and Conv's DequantizeLinear weights, written once.
 */
record UInt8Channels(long[] values, float[] scales, long[] zeroPoints) {

    /** Quantizes {@code weight} with one scale per index of {@code axis} when {@code perChannel}. */
    static UInt8Channels of(Tensor weight, int axis, boolean perChannel, boolean symmetric) {
        long[] shape = weight.shape();
        int channels = Math.toIntExact(shape[axis]);
        int inner = 1;
        for (int d = axis + 1; d < shape.length; d++) {
            inner *= Math.toIntExact(shape[d]);
        }
        float[] w = weight.toFloats();
        int groups = perChannel ? channels : 1;
        float[] lo = new float[groups];
        float[] hi = new float[groups];
        java.util.Arrays.fill(lo, Float.POSITIVE_INFINITY);
        java.util.Arrays.fill(hi, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < w.length; i++) {
            int g = perChannel ? (i / inner) % channels : 0;
            lo[g] = Math.min(lo[g], w[i]);
            hi[g] = Math.max(hi[g], w[i]);
        }
        UInt8Params[] params = new UInt8Params[groups];
        float[] scales = new float[groups];
        long[] zeroPoints = new long[groups];
        for (int g = 0; g < groups; g++) {
            params[g] = UInt8Params.forRange(lo[g], hi[g], symmetric);
            scales[g] = params[g].scale();
            zeroPoints[g] = params[g].zeroPoint();
        }
        long[] q = new long[w.length];
        for (int i = 0; i < w.length; i++) {
            q[i] = params[perChannel ? (i / inner) % channels : 0].quantize(w[i]);
        }
        return new UInt8Channels(q, scales, zeroPoints);
    }
}
