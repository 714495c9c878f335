package dev.nncj.runtime;

import ai.onnxruntime.OnnxTensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The input tensors for one session, owned together so one try-with-resources frees them all. Each
 * {@link OnnxTensor} wraps native memory (the ORT value, plus the direct buffer it reads) that the
 * garbage collector would release late or never; closing it here releases it deterministically.
 */
public final class SessionInputs implements AutoCloseable {
    private final Map<String, OnnxTensor> tensors;

    SessionInputs(Map<String, OnnxTensor> tensors) {
        this.tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
    }

    /** Tensors by input name, in the session's input order; pass straight to {@code session.run}. */
    public Map<String, OnnxTensor> tensors() {
        return tensors;
    }

    /** The tensor for one input. */
    public OnnxTensor get(String name) {
        OnnxTensor tensor = tensors.get(name);
        if (tensor == null) {
            throw new IllegalArgumentException("no input named '" + name + "'; inputs are " + tensors.keySet());
        }
        return tensor;
    }

    @Override
    public void close() {
        tensors.values().forEach(OnnxTensor::close);
    }
}
