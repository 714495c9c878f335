package dev.nncj.train.ops;

import static dev.nncj.train.ops.OpContext.one;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Convolution and pooling over N-d spatial inputs [batch, channels, d1..dn]. ONNX pads are
 * [begin_1..begin_n, end_1..end_n]; PyTorch's kernels pad symmetrically, so unequal begin/end
 * padding is applied to the input first (zeros for Conv, -inf for MaxPool).
 */
final class ConvPoolOps {
    private ConvPoolOps() {}

    static void register(OpRegistry r) {
        r.put("Conv", ConvPoolOps::conv);
        r.put(new OpDefinition("MaxPool", ConvPoolOps::maxPool, Set.of(), (node, opset) -> {
            if (node.outputs().size() > 1 && !node.output(1).isEmpty()) {
                return Optional.of("the Indices output is not supported");
            }
            return node.intsAttribute("dilations").stream().anyMatch(d -> d != 1)
                    ? Optional.of("dilated pooling is not supported") : Optional.empty();
        }));
        r.put(new OpDefinition("AveragePool", ConvPoolOps::averagePool, Set.of(), (node, opset) -> {
            boolean excludePad = node.intAttribute("count_include_pad", 0) == 0;
            boolean same = node.stringAttribute("auto_pad", "NOTSET").startsWith("SAME");
            return excludePad && (same || !symmetric(node.intsAttribute("pads")))
                    ? Optional.of("uneven padding with count_include_pad=0 is not supported") : Optional.empty();
        }));
        r.put("GlobalAveragePool", c -> one(ReductionOps.mean(c.input(0), spatialAxes(c.input(0)), true)));
        r.put("GlobalMaxPool", c -> one(ReductionOps.max(c.input(0), spatialAxes(c.input(0)), true)));
    }

    private static int[] spatialAxes(NDArray x) {
        return IntStream.range(2, x.getShape().dimension()).toArray();
    }

    /** Begin and end padding of each spatial axis after resolving auto_pad against the input. */
    private record Padding(long[] begin, long[] end) {
        boolean symmetric() {
            return java.util.Arrays.equals(begin, end);
        }
    }

    private static Padding padding(OpContext c, long[] spatial, long[] kernel, long[] strides, long[] dilations) {
        int n = spatial.length;
        long[] begin = new long[n];
        long[] end = new long[n];
        String autoPad = c.node().stringAttribute("auto_pad", "NOTSET");
        if (autoPad.startsWith("SAME")) {
            for (int i = 0; i < n; i++) {
                long out = (spatial[i] + strides[i] - 1) / strides[i];
                long total = Math.max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - spatial[i]);
                long small = total / 2;
                begin[i] = autoPad.equals("SAME_UPPER") ? small : total - small;
                end[i] = total - begin[i];
            }
        } else if (!autoPad.equals("VALID")) {
            List<Long> pads = c.intsAttribute("pads");
            for (int i = 0; i < n && !pads.isEmpty(); i++) {
                begin[i] = pads.get(i);
                end[i] = pads.get(i + n);
            }
        }
        return new Padding(begin, end);
    }

    private static boolean symmetric(List<Long> pads) {
        int n = pads.size() / 2;
        return IntStream.range(0, n).allMatch(i -> pads.get(i).equals(pads.get(i + n)));
    }

    private static long[] ints(OpContext c, String name, int n, long fallback) {
        List<Long> v = c.intsAttribute(name);
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = v.isEmpty() ? fallback : v.get(i);
        }
        return out;
    }

    /** Pads the spatial axes explicitly (torch's pad takes pairs from the last axis backwards). */
    private static NDArray padExplicitly(NDArray x, Padding p, double value) {
        int n = p.begin().length;
        long[] pairs = new long[2 * n];
        for (int i = 0; i < n; i++) {
            int axis = n - 1 - i;
            pairs[2 * i] = p.begin()[axis];
            pairs[2 * i + 1] = p.end()[axis];
        }
        return x.pad(new Shape(pairs), value);
    }

    private static NDArray[] conv(OpContext c) {
        NDArray x = c.input(0);
        NDArray w = c.input(1);
        long[] dims = x.getShape().getShape();
        int n = dims.length - 2;
        long[] spatial = java.util.Arrays.copyOfRange(dims, 2, dims.length);
        long[] kernel = java.util.Arrays.copyOfRange(w.getShape().getShape(), 2, dims.length);
        long[] strides = ints(c, "strides", n, 1);
        long[] dilations = ints(c, "dilations", n, 1);
        Padding p = padding(c, spatial, kernel, strides, dilations);
        long[] pad = p.begin();
        if (!p.symmetric()) {
            x = padExplicitly(x, p, 0);
            pad = new long[n];
        }
        NDArray bias = c.hasInput(2) ? c.input(2) : null;
        int groups = (int) c.intAttribute("group", 1);
        return one(x.getNDArrayInternal().convolution(x, w, bias, new Shape(strides), new Shape(pad),
                new Shape(dilations), groups).singletonOrThrow());
    }

    private static NDArray[] maxPool(OpContext c) {
        NDArray x = c.input(0);
        long[] dims = x.getShape().getShape();
        int n = dims.length - 2;
        long[] kernel = ints(c, "kernel_shape", n, 1);
        long[] strides = ints(c, "strides", n, 1);
        Padding p = padding(c, java.util.Arrays.copyOfRange(dims, 2, dims.length), kernel, strides, ints(c, "dilations", n, 1));
        long[] pad = p.begin();
        if (!p.symmetric()) {
            x = padExplicitly(x, p, Double.NEGATIVE_INFINITY);
            pad = new long[n];
        }
        boolean ceil = c.intAttribute("ceil_mode", 0) != 0;
        return one(x.getNDArrayInternal().maxPool(new Shape(kernel), new Shape(strides), new Shape(pad), ceil));
    }

    private static NDArray[] averagePool(OpContext c) {
        NDArray x = c.input(0);
        long[] dims = x.getShape().getShape();
        int n = dims.length - 2;
        long[] kernel = ints(c, "kernel_shape", n, 1);
        long[] strides = ints(c, "strides", n, 1);
        Padding p = padding(c, java.util.Arrays.copyOfRange(dims, 2, dims.length), kernel, strides, ints(c, "dilations", n, 1));
        long[] pad = p.begin();
        if (!p.symmetric()) {
            x = padExplicitly(x, p, 0); // only reached with count_include_pad=1 (see the check)
            pad = new long[n];
        }
        boolean ceil = c.intAttribute("ceil_mode", 0) != 0;
        boolean includePad = c.intAttribute("count_include_pad", 0) != 0;
        Shape k = new Shape(kernel);
        Shape s = new Shape(strides);
        Shape p0 = new Shape(pad);
        // DJL's PyTorch binding ignores count_include_pad=false (measured against ONNX Runtime), so
        // the excluding average is taken as the including one divided by the share of real cells
        // in each window: avg_incl(x) / avg_incl(ones). The divisor is a constant: no gradient.
        NDArray average = x.getNDArrayInternal().avgPool(k, s, p0, ceil, true);
        if (includePad || java.util.Arrays.stream(pad).allMatch(v -> v == 0)) {
            return one(average);
        }
        NDArray share = x.onesLike().getNDArrayInternal().avgPool(k, s, p0, ceil, true);
        return one(average.div(share));
    }

}
