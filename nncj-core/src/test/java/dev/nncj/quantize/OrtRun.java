package dev.nncj.quantize;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.runtime.OrtSessions;
import dev.nncj.runtime.RuntimeOptions;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Runs a tiny model in ONNX Runtime once and returns its first output, flattened. */
final class OrtRun {
    private OrtRun() {}

    /** One float input. */
    static float[] floats(OnnxModel model, String input, float[] x, long... shape) throws Exception {
        OrtEnvironment env = OrtSessions.environment();
        try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), shape)) {
            return run(model, Map.of(input, t));
        }
    }

    /** One int64 input (token ids). */
    static float[] ids(OnnxModel model, String input, long[] ids, long... shape) throws Exception {
        OrtEnvironment env = OrtSessions.environment();
        try (OnnxTensor t = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape)) {
            return run(model, Map.of(input, t));
        }
    }

    /** From memory, no file. */
    static float[] run(OnnxModel model, Map<String, OnnxTensor> inputs) throws Exception {
        OrtEnvironment env = OrtSessions.environment(); // before SessionOptions, which would load ORT's libraries itself
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
             OrtSession session = env.createSession(OnnxFiles.toBytes(model), options)) {
            return firstOutput(session, inputs);
        }
    }

    /** Saved to {@code file} first (as users get it); inputs are Java arrays ORT converts. */
    static float[] run(OnnxModel model, Path file, Map<String, Object> inputs) throws Exception {
        OnnxFiles.save(model, file);
        Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
        try (OrtSession session = OrtSessions.open(file, RuntimeOptions.defaults())) {
            for (Map.Entry<String, Object> e : inputs.entrySet()) {
                feeds.put(e.getKey(), OnnxTensor.createTensor(OrtSessions.environment(), e.getValue()));
            }
            return firstOutput(session, feeds);
        } finally {
            feeds.values().forEach(OnnxTensor::close);
        }
    }

    private static float[] firstOutput(OrtSession session, Map<String, OnnxTensor> inputs) throws Exception {
        try (OrtSession.Result result = session.run(inputs)) {
            FloatBuffer buf = ((OnnxTensor) result.get(0)).getFloatBuffer();
            float[] values = new float[buf.remaining()];
            buf.get(values);
            return values;
        }
    }
}
