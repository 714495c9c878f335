package dev.nncj.lowrank;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.runtime.OrtSessions;
import dev.nncj.runtime.RuntimeOptions;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;

/** Saves a one-float-input model and runs it once in ONNX Runtime: its first output, flattened. */
final class OrtFloats {
    private OrtFloats() {}

    static float[] run(OnnxModel model, Path file, String input, float[] x, long... shape) throws Exception {
        OnnxFiles.save(model, file);
        try (OrtSession session = OrtSessions.open(file, RuntimeOptions.defaults());
             OnnxTensor t = OnnxTensor.createTensor(OrtSessions.environment(), FloatBuffer.wrap(x), shape);
             OrtSession.Result r = session.run(Map.of(input, t))) {
            FloatBuffer buf = ((OnnxTensor) r.get(0)).getFloatBuffer();
            float[] out = new float[buf.remaining()];
            buf.get(out);
            return out;
        }
    }
}
