package dev.nncj.train.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import dev.nncj.onnx.Graph;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.train.execution.Parameter;
import dev.nncj.train.ops.TensorArrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A copy of the trainable parameters (the weights of the best evaluation so far), in native memory
 * of its own, freed by {@link #close()}. Kept in memory rather than written at every new best: it
 * costs one more copy of the weights and no file anywhere, and a checkpoint writes it when it is
 * taken.
 */
final class ParameterCopy implements AutoCloseable {
    private final NDManager manager;
    private final Map<String, NDArray> arrays = new LinkedHashMap<>();

    ParameterCopy(NDManager parent) {
        this.manager = parent.newSubManager();
    }

    boolean isEmpty() {
        return arrays.isEmpty();
    }

    /** Replaces the copy by the current values of {@code parameters}. */
    void copy(List<Parameter> parameters) {
        clear();
        boolean was = JniUtils.isGradMode();
        JniUtils.setGradMode(false); // a copy, not a node of the autograd graph
        try {
            for (Parameter p : parameters) {
                NDArray a = p.array().duplicate();
                a.attach(manager);
                a.setName(p.name());
                arrays.put(p.name(), a);
            }
        } finally {
            JniUtils.setGradMode(was);
        }
    }

    /** The copied arrays, named by parameter, to encode (valid until the next {@link #copy}). */
    NDList asList() {
        return new NDList(arrays.values());
    }

    /** Takes over arrays encoded from {@link #asList()}. */
    void restore(NDList saved) {
        clear();
        for (NDArray a : saved) {
            a.attach(manager);
            arrays.put(a.getName(), a);
        }
    }

    /** Writes the copy into {@code target}'s initializers of the same names. */
    void writeInto(OnnxModel target) {
        Graph graph = target.graph();
        arrays.forEach((name, a) -> graph.replaceInitializer(TensorArrays.toTensor(name, a)));
    }

    private void clear() {
        arrays.values().forEach(NDArray::close);
        arrays.clear();
    }

    @Override
    public void close() {
        clear();
        manager.close();
    }
}
