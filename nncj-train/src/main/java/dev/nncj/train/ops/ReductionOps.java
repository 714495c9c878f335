package dev.nncj.train.ops;

import static dev.nncj.train.ops.OpContext.one;

import ai.djl.ndarray.NDArray;
import java.util.Arrays;
import java.util.Set;

/**
 * Reductions. Their axes moved from an attribute to an input: ReduceSum at opset 13, the others
 * (ReduceMean, ReduceMax...) at 18, so the kernel reads whichever the model's opset defines.
 */
final class ReductionOps {
    private ReductionOps() {}

    private interface Reduction {
        NDArray apply(NDArray x, int[] axes, boolean keepDims);
    }

    static void register(OpRegistry r) {
        reduction(r, "ReduceMean", 18, ReductionOps::mean);
        reduction(r, "ReduceSum", 13, NDArray::sum);
        reduction(r, "ReduceMax", 18, (x, axes, keep) -> oneAxisAtATime(x, axes, keep, NDArray::max));
        reduction(r, "ReduceMin", 18, (x, axes, keep) -> oneAxisAtATime(x, axes, keep, NDArray::min));
        // ArgMax gives indices: no gradient flows through it (evaluation graphs end with one)
        r.put(new OpDefinition("ArgMax", c -> {
            NDArray x = c.input(0);
            int axis = c.axis(c.intAttribute("axis", 0), x.getShape().dimension());
            NDArray index = x.argMax(axis);
            return one(c.intAttribute("keepdims", 1) != 0 ? index.expandDims(axis) : index);
        }, Set.of(0), (node, opset) -> node.intAttribute("select_last_index", 0) != 0
                ? java.util.Optional.of("select_last_index=1 is not supported") : java.util.Optional.empty()));
    }

    /**
     * DJL's PyTorch mean takes one axis; over several, sum (which takes many) divided by the count
     * of reduced elements is the same quantity in one pass.
     */
    static NDArray mean(NDArray x, int[] axes, boolean keepDims) {
        if (axes.length == 1) {
            return x.mean(axes, keepDims);
        }
        long count = 1;
        for (int a : axes) {
            count *= x.getShape().get(a);
        }
        return x.sum(axes, keepDims).div((float) count);
    }

    static NDArray max(NDArray x, int[] axes, boolean keepDims) {
        return oneAxisAtATime(x, axes, keepDims, NDArray::max);
    }

    /** PyTorch's max/min reduce one axis per call; going from the last axis keeps the others' indices valid. */
    private static NDArray oneAxisAtATime(NDArray x, int[] axes, boolean keepDims, Reduction f) {
        NDArray y = x;
        for (int i = axes.length - 1; i >= 0; i--) {
            y = f.apply(y, new int[] {axes[i]}, keepDims);
        }
        return y;
    }

    private static void reduction(OpRegistry r, String type, long axesInputSince, Reduction f) {
        r.put(type, c -> {
            NDArray x = c.input(0);
            int rank = x.getShape().dimension();
            long[] axes = c.opset() >= axesInputSince
                    ? (c.hasInput(1) ? c.longs(1) : new long[0])
                    : ShapeOps.toLongs(c.intsAttribute("axes"));
            boolean keepDims = c.intAttribute("keepdims", 1) != 0;
            if (axes.length == 0) {
                if (c.intAttribute("noop_with_empty_axes", 0) != 0) {
                    return one(x.reshape(x.getShape()));
                }
                axes = java.util.stream.LongStream.range(0, rank).toArray();
            }
            int[] abs = Arrays.stream(axes).mapToInt(a -> c.axis(a, rank)).distinct().sorted().toArray();
            return one(f.apply(x, abs, keepDims));
        }, Set.of(1));
    }
}
