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
        // the parameters are constants of the step: computed from W without recording gradients
        NDArray detached = w.stopGradient();
        NDArray scale;
        NDArray zp;
        if (c.intAttribute("symmetric", 1) != 0) {
            NDArray a = detached.abs().max(reduce, true);
            // an all-zero channel gets scale 1, as UInt8Params does
            scale = a.div(127f).add(a.eq(0f).toType(DataType.FLOAT32, false));
            zp = scale.onesLike().mul(128f);
        } else {
            NDArray lo = detached.min(reduce, true).minimum(0f);
            NDArray width = detached.max(reduce, true).maximum(0f).sub(lo);
            scale = width.div(255f).add(width.eq(0f).toType(DataType.FLOAT32, false));
            zp = lo.neg().div(scale).round().clip(0, 255);
        }
        NDArray quantized = detached.div(scale).round().add(zp).clip(0, 255).sub(zp).mul(scale);
        return one(w.add(quantized.sub(w).stopGradient()));
    }
}
