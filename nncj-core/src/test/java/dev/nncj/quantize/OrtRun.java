package dev.nncj.quantize;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.runtime.OrtSessions;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Map;

/** Runs a tiny model in ONNX Runtime (from memory, no file) and returns its first output, flattened. */
final class OrtRun {
    private OrtRun() {}

    static float[] floats(OnnxModel model, String input, float[] x, long... shape) throws Exception {
        OrtEnvironment env = OrtSessions.environment();
        try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), shape)) {
            return run(model, Map.of(input, t));
        }
    }

    static float[] ids(OnnxModel model, String input, long[] ids, long... shape) throws Exception {
        OrtEnvironment env = OrtSessions.environment();
        try (OnnxTensor t = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape)) {
            return run(model, Map.of(input, t));
        }
    }

    static float[] run(OnnxModel model, Map<String, OnnxTensor> inputs) throws Exception {
        OrtEnvironment env = OrtSessions.environment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
             OrtSession session = env.createSession(OnnxFiles.toBytes(model), options);
             OrtSession.Result result = session.run(inputs)) {
            OnnxTensor out = (OnnxTensor) result.get(0);
            FloatBuffer buf = out.getFloatBuffer();
            float[] values = new float[buf.remaining()];
            buf.get(values);
            return values;
        }
    }
}
