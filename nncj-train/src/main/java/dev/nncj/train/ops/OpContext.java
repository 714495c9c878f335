package dev.nncj.train.ops;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.nncj.NncjException;
import dev.nncj.onnx.Node;
import java.util.List;

/**
 * What a kernel sees: the node (attributes), the model's default-domain opset (ops changed their
 * signatures across opsets), the input arrays (null for an omitted optional input) and the manager
 * new arrays are created in.
 */
public final class OpContext {
    private final Node node;
    private final long opset;
    private final NDArray[] inputs;
    private final NDManager manager;

    public OpContext(Node node, long opset, NDArray[] inputs, NDManager manager) {
        this.node = node;
        this.opset = opset;
        this.inputs = inputs;
        this.manager = manager;
    }

    public Node node() {
        return node;
    }

    public long opset() {
        return opset;
    }

    public NDManager manager() {
        return manager;
    }

    public int inputCount() {
        return inputs.length;
    }

    public boolean hasInput(int i) {
        return i < inputs.length && inputs[i] != null;
    }

    public NDArray input(int i) {
        if (!hasInput(i)) {
            throw fail("input " + i + " is required");
        }
        return inputs[i];
    }

    /** A static integer input (shape, axes, starts...) read eagerly as Java longs. */
    public long[] longs(int i) {
        NDArray a = input(i);
        if (!a.getDataType().isInteger()) {
            throw fail("input " + i + " must be an integer tensor, is " + a.getDataType());
        }
        if (a.getDataType() == DataType.INT64) {
            return a.toLongArray();
        }
        int[] ints = a.toType(DataType.INT32, false).toIntArray();
        long[] out = new long[ints.length];
        for (int k = 0; k < ints.length; k++) {
            out[k] = ints[k];
        }
        return out;
    }

    public long intAttribute(String name, long fallback) {
        return node.intAttribute(name, fallback);
    }

    public float floatAttribute(String name, float fallback) {
        return node.floatAttribute(name, fallback);
    }

    public List<Long> intsAttribute(String name) {
        return node.intsAttribute(name);
    }

    /** A negative axis counted from the end, as ONNX allows, made absolute for a tensor of {@code rank}. */
    public int axis(long axis, int rank) {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw fail("axis " + axis + " is out of range for rank " + rank);
        }
        return (int) a;
    }

    public NncjException fail(String problem) {
        return new NncjException("node " + node.name() + " (" + node.opType() + "): " + problem);
    }

    static NDArray[] one(NDArray a) {
        return new NDArray[] {a};
    }
}
