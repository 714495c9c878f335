package dev.nncj.train.ops;

import static dev.nncj.train.ops.OpContext.one;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.nncj.onnx.Tensor;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;

/**
 * Shape arithmetic and data movement. Shapes, axes and slice bounds are read eagerly as Java longs
 * (they are tiny and decide the layout, not the values); the data input stays an NDArray so that
 * Reshape, Transpose, Slice, Gather, Concat and Expand pass gradients through.
 */
final class ShapeOps {
    private ShapeOps() {}

    static void register(OpRegistry r) {
        r.put("Shape", ShapeOps::shape, Set.of(0));
        r.put("Reshape", ShapeOps::reshape, Set.of(1));
        r.put("Unsqueeze", ShapeOps::unsqueeze, Set.of(1));
        r.put("Squeeze", ShapeOps::squeeze, Set.of(1));
        r.put("Concat", c -> {
            NDList parts = new NDList();
            for (int i = 0; i < c.inputCount(); i++) {
                parts.add(c.input(i));
            }
            int axis = c.axis(c.intAttribute("axis", 0), c.input(0).getShape().dimension());
            return one(NDArrays.concat(parts, axis));
        });
        r.put("Slice", ShapeOps::slice, Set.of(1, 2, 3, 4));
        r.put("Gather", ShapeOps::gather, Set.of(1));
        r.put("Transpose", ShapeOps::transpose);
        r.put("Flatten", c -> {
            NDArray x = c.input(0);
            Shape s = x.getShape();
            long axis = c.intAttribute("axis", 1);
            int a = axis < 0 ? (int) (axis + s.dimension()) : (int) axis;
            long outer = s.slice(0, a).size();
            return one(x.reshape(outer, s.slice(a).size()));
        });
        r.put("Expand", c -> {
            NDArray x = c.input(0);
            return one(x.broadcast(broadcastShape(x.getShape().getShape(), c.longs(1))));
        }, Set.of(1));
        r.put("ConstantOfShape", c -> {
            Tensor value = c.node().tensorAttribute("value")
                    .orElse(Tensor.ofFloats("value", new long[] {1}, 0f));
            NDArray scalar = TensorArrays.toArray(c.manager(), value).reshape(new Shape());
            return one(scalar.broadcast(new Shape(c.longs(0))).duplicate());
        }, Set.of(0));
        r.put("Range", ShapeOps::range, Set.of(0, 1, 2));
        r.put(new OpDefinition("Constant", c -> one(TensorArrays.toArray(c.manager(), constant(c))), Set.of(),
                (node, opset) -> node.attributes().keySet().stream()
                        .filter(k -> !Set.of("value", "value_float", "value_floats", "value_int", "value_ints").contains(k))
                        .findFirst().map(k -> "Constant with attribute " + k + " is not supported")));
    }

    private static NDArray[] shape(OpContext c) {
        long[] dims = c.input(0).getShape().getShape();
        int rank = dims.length;
        // opset 15 added start/end, clamped like Python slicing
        long start = c.intAttribute("start", 0);
        long end = c.intAttribute("end", rank);
        int s = (int) Math.max(0, Math.min(rank, start < 0 ? start + rank : start));
        int e = (int) Math.max(0, Math.min(rank, end < 0 ? end + rank : end));
        return one(c.manager().create(Arrays.copyOfRange(dims, s, Math.max(s, e))));
    }

    private static NDArray[] reshape(OpContext c) {
        NDArray x = c.input(0);
        long[] target = c.longs(1).clone();
        boolean allowZero = c.intAttribute("allowzero", 0) != 0;
        for (int i = 0; i < target.length; i++) {
            if (target[i] == 0 && !allowZero) {
                target[i] = x.getShape().get(i); // 0 copies the input's dimension
            }
        }
        return one(x.reshape(new Shape(target)));
    }

    /** Axes moved from an attribute to an input in opset 13. */
    private static long[] axes(OpContext c) {
        if (c.opset() < 13) {
            return c.intsAttribute("axes").stream().mapToLong(Long::longValue).toArray();
        }
        return c.hasInput(1) ? c.longs(1) : new long[0];
    }

    private static NDArray[] unsqueeze(OpContext c) {
        NDArray x = c.input(0);
        long[] axes = axes(c);
        int outRank = x.getShape().dimension() + axes.length;
        int[] sorted = Arrays.stream(axes).mapToInt(a -> c.axis(a, outRank)).sorted().toArray();
        NDArray y = x;
        for (int a : sorted) {
            y = y.expandDims(a);
        }
        return one(y == x ? x.reshape(x.getShape()) : y);
    }

    private static NDArray[] squeeze(OpContext c) {
        NDArray x = c.input(0);
        long[] axes = axes(c);
        int rank = x.getShape().dimension();
        if (axes.length == 0) {
            long[] kept = Arrays.stream(x.getShape().getShape()).filter(d -> d != 1).toArray();
            return one(x.reshape(new Shape(kept)));
        }
        int[] abs = Arrays.stream(axes).mapToInt(a -> c.axis(a, rank)).toArray();
        return one(x.squeeze(abs));
    }

    /**
     * ONNX Slice: starts/ends/axes/steps (attributes before opset 10), bounds clamped per ONNX.
     * PyTorch cannot slice with a negative step, so such an axis is flipped and sliced forward.
     */
    private static NDArray[] slice(OpContext c) {
        NDArray x = c.input(0);
        long[] starts;
        long[] ends;
        long[] axes;
        long[] steps;
        if (c.opset() < 10) {
            starts = toLongs(c.intsAttribute("starts"));
            ends = toLongs(c.intsAttribute("ends"));
            axes = c.intsAttribute("axes").isEmpty() ? null : toLongs(c.intsAttribute("axes"));
            steps = null;
        } else {
            starts = c.longs(1);
            ends = c.longs(2);
            axes = c.hasInput(3) ? c.longs(3) : null;
            steps = c.hasInput(4) ? c.longs(4) : null;
        }
        long[] dims = x.getShape().getShape();
        int rank = dims.length;
        long[] lo = new long[rank];
        long[] hi = dims.clone();
        long[] step = new long[rank];
        Arrays.fill(step, 1);
        for (int i = 0; i < starts.length; i++) {
            int a = c.axis(axes == null ? i : axes[i], rank);
            long st = steps == null ? 1 : steps[i];
            if (st == 0) {
                throw c.fail("slice step 0");
            }
            long d = dims[a];
            long s = starts[i] < 0 ? starts[i] + d : starts[i];
            long e = ends[i] < 0 ? ends[i] + d : ends[i];
            if (st > 0) {
                lo[a] = clamp(s, 0, d);
                hi[a] = clamp(e, 0, d);
            } else {
                lo[a] = clamp(s, 0, d - 1);
                hi[a] = clamp(e, -1, d - 1);
            }
            step[a] = st;
        }
        NDArray y = x;
        NDIndex index = new NDIndex();
        for (int a = 0; a < rank; a++) {
            if (step[a] < 0) {
                y = y.flip(a);
                // element i of x is element d-1-i of the flipped axis
                long d = dims[a];
                index.addSliceDim(d - 1 - lo[a], Math.max(d - 1 - lo[a], d - 1 - hi[a]), -step[a]);
            } else {
                index.addSliceDim(lo[a], Math.max(lo[a], hi[a]), step[a]);
            }
        }
        return one(y.get(index));
    }

    /** ONNX Gather: data.shape[:axis] + indices.shape + data.shape[axis+1:], negative indices allowed. */
    private static NDArray[] gather(OpContext c) {
        NDArray data = c.input(0);
        NDArray indices = c.input(1);
        int axis = c.axis(c.intAttribute("axis", 0), data.getShape().dimension());
        if (indices.getDataType() != DataType.INT64) {
            indices = indices.toType(DataType.INT64, false);
        }
        if (axis == 0 && data.getShape().dimension() == 2) {
            // A table lookup (token ids): advanced indexing's backward adds the gradients of repeated ids
            // with parallel atomic adds, in an order that changes from run to run (two equal MiniLM runs
            // differed in the last bits of the word and token-type tables); embedding's backward adds them
            // in index order. It takes no negative ids: those count from the end, as Gather says.
            NDArray rows = indices.lt(0).any().getBoolean() ? NDArrays.where(indices.lt(0),
                    indices.add(data.getShape().get(0)), indices) : indices;
            return one(JniUtils.embedding((PtNDArray) rows, (PtNDArray) data, false));
        }
        // Advanced indexing keeps the autograd path to data (an embedding table's rows get gradients).
        return one(data.get(new NDIndex(":, ".repeat(axis) + "{}", indices)));
    }

    private static NDArray[] transpose(OpContext c) {
        NDArray x = c.input(0);
        int rank = x.getShape().dimension();
        java.util.List<Long> perm = c.intsAttribute("perm");
        int[] axes = new int[rank];
        for (int i = 0; i < rank; i++) {
            axes[i] = perm.isEmpty() ? rank - 1 - i : perm.get(i).intValue();
        }
        return one(x.transpose(axes));
    }

    private static NDArray[] range(OpContext c) {
        NDArray start = c.input(0);
        DataType type = start.getDataType();
        if (type.isInteger()) {
            long s = c.longs(0)[0];
            long limit = c.longs(1)[0];
            long delta = c.longs(2)[0];
            long n = Math.max(0, ceilDiv(limit - s, delta));
            long[] values = new long[Math.toIntExact(n)];
            for (int i = 0; i < values.length; i++) {
                values[i] = s + i * delta;
            }
            return one(c.manager().create(values).toType(type, false));
        }
        double s = start.toType(DataType.FLOAT64, false).getDouble();
        double limit = c.input(1).toType(DataType.FLOAT64, false).getDouble();
        double delta = c.input(2).toType(DataType.FLOAT64, false).getDouble();
        int n = (int) Math.max(0, Math.ceil((limit - s) / delta));
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = s + i * delta;
        }
        return one(c.manager().create(values).toType(type, false));
    }

    static Tensor constant(OpContext c) {
        var node = c.node();
        Optional<Tensor> value = node.tensorAttribute("value");
        if (value.isPresent()) {
            return value.get();
        }
        if (node.attribute("value_float").isPresent()) {
            return Tensor.ofFloats("value", new long[0], node.floatAttribute("value_float", 0));
        }
        if (node.attribute("value_int").isPresent()) {
            return Tensor.ofLongs("value", new long[0], node.intAttribute("value_int", 0));
        }
        if (node.attribute("value_ints").isPresent()) {
            long[] v = toLongs(node.intsAttribute("value_ints"));
            return Tensor.ofLongs("value", new long[] {v.length}, v);
        }
        if (node.attribute("value_floats").isPresent()) {
            var list = node.attribute("value_floats").get().getFloatsList();
            float[] v = new float[list.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = list.get(i);
            }
            return Tensor.ofFloats("value", new long[] {v.length}, v);
        }
        throw c.fail("Constant has no value attribute");
    }

    /** Numpy broadcasting of two shapes (Expand is bidirectional: either side may be 1). */
    static Shape broadcastShape(long[] a, long[] b) {
        int rank = Math.max(a.length, b.length);
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            long da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            long db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("shapes " + Arrays.toString(a) + " and "
                        + Arrays.toString(b) + " do not broadcast");
            }
            out[i] = da == 1 ? db : da;
        }
        return new Shape(out);
    }

    private static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }

    private static long clamp(long v, long lo, long hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    static long[] toLongs(java.util.List<Long> list) {
        return list.stream().mapToLong(Long::longValue).toArray();
    }
}
