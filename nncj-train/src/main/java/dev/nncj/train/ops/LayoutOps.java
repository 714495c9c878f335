package dev.nncj.train.ops;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import java.util.Optional;
import java.util.Set;

/** Split, Tile and Pad: data movement whose layout comes from static inputs or attributes. */
final class LayoutOps {
    private LayoutOps() {}

    static void register(OpRegistry r) {
        r.put("Split", LayoutOps::split, Set.of(1));
        r.put("Tile", c -> OpContext.one(c.input(0).tile(c.longs(1))), Set.of(1));
        r.put(new OpDefinition("Pad", LayoutOps::pad, Set.of(1, 2, 3), (node, opset) -> {
            String mode = node.stringAttribute("mode", "constant");
            return mode.equals("constant") ? Optional.empty() : Optional.of("pad mode " + mode + " is not supported");
        }));
    }

    /**
     * Split sizes: the "split" attribute before opset 13, the second input from 13; without either,
     * equal parts, one per output (from opset 18 the last part may be smaller, as num_outputs says).
     */
    private static NDArray[] split(OpContext c) {
        NDArray x = c.input(0);
        int axis = c.axis(c.intAttribute("axis", 0), x.getShape().dimension());
        long dim = x.getShape().get(axis);
        int parts = c.node().outputs().size();
        long[] sizes;
        if (c.opset() < 13 && !c.intsAttribute("split").isEmpty()) {
            sizes = ShapeOps.toLongs(c.intsAttribute("split"));
        } else if (c.opset() >= 13 && c.hasInput(1)) {
            sizes = c.longs(1);
        } else {
            long each = (dim + parts - 1) / parts;
            sizes = new long[parts];
            for (int i = 0; i < parts; i++) {
                sizes[i] = Math.max(0, Math.min(each, dim - i * each));
            }
        }
        long[] boundaries = new long[sizes.length - 1];
        long at = 0;
        for (int i = 0; i < boundaries.length; i++) {
            at += sizes[i];
            boundaries[i] = at;
        }
        NDList pieces = x.split(boundaries, axis);
        return pieces.toArray(new NDArray[0]);
    }

    /**
     * ONNX pads are [begin of every axis..., end of every axis...] (restricted to "axes" from opset
     * 18); torch's pad takes (begin, end) pairs from the last axis backwards. Negative pads crop.
     */
    private static NDArray[] pad(OpContext c) {
        NDArray x = c.input(0);
        int rank = x.getShape().dimension();
        long[] pads;
        double value;
        long[] axes = null;
        if (c.opset() < 11) {
            pads = ShapeOps.toLongs(c.intsAttribute("pads"));
            value = c.floatAttribute("value", 0f);
        } else {
            pads = c.longs(1);
            value = c.hasInput(2) ? c.input(2).toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble() : 0;
            if (c.hasInput(3)) {
                axes = c.longs(3);
            }
        }
        int n = axes == null ? rank : axes.length;
        long[] begin = new long[rank];
        long[] end = new long[rank];
        for (int i = 0; i < n; i++) {
            int a = axes == null ? i : c.axis(axes[i], rank);
            begin[a] = pads[i];
            end[a] = pads[i + n];
        }
        long[] pairs = new long[2 * rank];
        for (int i = 0; i < rank; i++) {
            int a = rank - 1 - i;
            pairs[2 * i] = begin[a];
            pairs[2 * i + 1] = end[a];
        }
        return OpContext.one(x.pad(new Shape(pairs), value));
    }
}
