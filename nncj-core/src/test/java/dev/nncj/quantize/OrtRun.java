package dev.nncj.quantize;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.runtime.OrtSessions;
import dev.nncj.runtime.RuntimeOptions;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Saves a model and runs it once through ONNX Runtime, returning its first output flattened. */
final class OrtRun {
    private OrtRun() {}

    static float[] run(OnnxModel model, Path file, Map<String, Object> inputs) throws Exception {
        OnnxFiles.save(model, file);
        try (OrtSession session = OrtSessions.open(file, RuntimeOptions.defaults())) {
            Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
            try {
                for (Map.Entry<String, Object> e : inputs.entrySet()) {
                    feeds.put(e.getKey(), OnnxTensor.createTensor(OrtSessions.environment(), e.getValue()));
                }
                try (OrtSession.Result r = session.run(feeds)) {
                    FloatBuffer buf = ((OnnxTensor) r.get(0)).getFloatBuffer();
                    float[] out = new float[buf.remaining()];
                    buf.get(out);
                    return out;
                }
            } finally {
                feeds.values().forEach(OnnxTensor::close);
            }
        }
    }
}
