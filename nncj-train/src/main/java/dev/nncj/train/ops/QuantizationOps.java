package dev.nncj.train.ops;

import static dev.nncj.train.ops.OpContext.one;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Set;

/**
 * Quantization as fake quantization for training: values stay float, rounded to the integer grid
 * in the forward pass, and gradients pass through the rounding with the straight-through estimator
 * (Bengio et al. 2013; the estimator of Jacob et al. 2018's quantization-aware training and of
 * PyTorch's FakeQuantize): d round(y)/dy = 1 inside the integer range, 0 where the value was clipped.
 *
 * <ul>
 * <li>QuantizeLinear(x, scale, zero_point) returns clip(round(x / scale) + zp, qmin, qmax) as a float
 *     array holding integers (the uint8/int8 output ONNX specifies would carry no gradient); only
 *     its DequantizeLinear reads it in a QDQ graph.</li>
 * <li>DequantizeLinear(q, scale, zero_point) returns (q - zp) * scale, per tensor or along
 *     {@code axis}; q may be that float or a stored integer tensor.</li>
 * <li>dev.nncj.train FakeQuantizeWeight(W) computes W's own uint8 parameters per output channel
 *     (or per tensor) as the static-int8 exporter does (symmetric: max|W| / 127 around 128;
 *     asymmetric: [min(W, 0), max(W, 0)] over 255 steps) and returns DQ(Q(W)); the parameters are
 *     constants of each step, so the gradient is the identity (nothing is clipped: the range covers W).</li>
 * <li>dev.nncj.train FakeQuantizeActivation(x) computes x's own uint8 parameters as ONNX's
 *     DynamicQuantizeLinear does (scale = (max(x, 0) - min(x, 0)) / 255, zero point = round(-min / scale)),
 *     one range per element of the first axis (a sentence of a [batch, tokens, width] or [batch, width]
 *     activation, as a batch-1 run ranges it; a rank-1 x has one range), and returns DQ(Q(x)); as for
 *     weights, the range covers x, so the gradient is the identity.</li>
 * </ul>
 * Rounding is half to even in both torch.round and ONNX, so the forward pass is what ONNX Runtime
 * computes for the exported QDQ model, up to float summation order.
 */
final class QuantizationOps {
    private QuantizationOps() {}

    static void register(OpRegistry r) {
        r.put("QuantizeLinear", QuantizationOps::quantize, Set.of(1, 2));
        r.put("DequantizeLinear", QuantizationOps::dequantize, Set.of(1, 2));
        r.put("FakeQuantizeWeight", QuantizationOps::fakeQuantizeWeight);
        r.put("FakeQuantizeActivation", QuantizationOps::fakeQuantizeActivation);
    }

    private static NDArray[] quantize(OpContext c) {
        NDArray x = c.input(0);
        NDArray scale = broadcastable(c, c.input(1), x);
        boolean signed = c.hasInput(2) && c.input(2).getDataType() == DataType.INT8;
        NDArray zp = c.hasInput(2) ? broadcastable(c, c.input(2).toType(DataType.FLOAT32, false), x) : scale.zerosLike();
        NDArray y = x.div(scale).add(zp);
        NDArray clipped = y.clip(signed ? -128 : 0, signed ? 127 : 255);
        // straight-through: the forward value is the rounded one, the gradient that of the clip
        return one(clipped.add(clipped.round().sub(clipped).stopGradient()));
    }

    private static NDArray[] dequantize(OpContext c) {
        NDArray q = c.input(0);
        if (q.getDataType() != DataType.FLOAT32) {
            q = q.toType(DataType.FLOAT32, false);
        }
        NDArray scale = broadcastable(c, c.input(1), q);
        NDArray zp = c.hasInput(2) ? broadcastable(c, c.input(2).toType(DataType.FLOAT32, false), q) : scale.zerosLike();
        return one(q.sub(zp).mul(scale));
    }

    /** A scalar as is; a 1-D per-axis parameter reshaped to broadcast along the node's {@code axis} (default 1). */
    private static NDArray broadcastable(OpContext c, NDArray p, NDArray x) {
        if (p.getShape().dimension() == 0 || p.size() == 1) {
            return p.reshape(new Shape());
        }
        int rank = x.getShape().dimension();
        int axis = c.axis(c.intAttribute("axis", 1), rank);
        long[] dims = new long[rank];
        java.util.Arrays.fill(dims, 1);
        dims[axis] = p.size();
        return p.reshape(new Shape(dims));
    }

    private static NDArray[] fakeQuantizeWeight(OpContext c) {
        NDArray w = c.input(0);
        int rank = w.getShape().dimension();
        long axisAttr = c.intAttribute("axis", -1);
        int[] reduce = axisAttr < 0 ? java.util.stream.IntStream.range(0, rank).toArray()
                : java.util.stream.IntStream.range(0, rank).filter(d -> d != c.axis(axisAttr, rank)).toArray();
        if (c.intAttribute("symmetric", 1) == 0) {
            return one(fakeQuantizedOverOwnRange(w, reduce));
        }
        // the parameters are constants of the step: computed from W without recording gradients
        NDArray detached = w.stopGradient();
        NDArray a = detached.abs().max(reduce, true);
        // an all-zero channel gets scale 1, as UInt8Params does
        NDArray scale = a.div(127f).add(a.eq(0f).toType(DataType.FLOAT32, false));
        NDArray zp = scale.onesLike().mul(128f);
        return one(straightThrough(w, detached, scale, zp));
    }

    private static NDArray[] fakeQuantizeActivation(OpContext c) {
        NDArray x = c.input(0);
        int rank = x.getShape().dimension();
        int[] reduce = java.util.stream.IntStream.range(rank >= 2 ? 1 : 0, rank).toArray();
        return one(fakeQuantizedOverOwnRange(x, reduce));
    }

    /** DQ(Q(x)) in uint8 over x's range [min(x, 0), max(x, 0)] along {@code reduce}, the gradient passed straight through. */
    private static NDArray fakeQuantizedOverOwnRange(NDArray x, int[] reduce) {
        NDArray detached = x.stopGradient();
        NDArray lo = detached;
        NDArray hi = detached;
        for (int axis : reduce) { // one axis at a time: PyTorch's DJL engine reduces min and max along one axis only
            lo = lo.min(new int[] {axis}, true);
            hi = hi.max(new int[] {axis}, true);
        }
        lo = lo.minimum(0f);
        NDArray width = hi.maximum(0f).sub(lo);
        // an all-zero range gets scale 1, as UInt8Params does
        NDArray scale = width.div(255f).add(width.eq(0f).toType(DataType.FLOAT32, false));
        NDArray zp = lo.neg().div(scale).round().clip(0, 255);
        return straightThrough(x, detached, scale, zp);
    }

    private static NDArray straightThrough(NDArray x, NDArray detached, NDArray scale, NDArray zp) {
        NDArray quantized = detached.div(scale).round().add(zp).clip(0, 255).sub(zp).mul(scale);
        return x.add(quantized.sub(x).stopGradient());
    }
}
