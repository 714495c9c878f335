package dev.nncj.quantize;

import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.data.EncodedBatch;
import dev.nncj.data.TextTokenizer;
import dev.nncj.data.TokenizerOptions;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.runtime.OrtSessions;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-channel second moments {@code E[x_k^2]} of float activations (the last axis of each named
 * value) over the real tokens of calibration sentences, measured by ONNX Runtime: the values are
 * exposed as extra graph outputs of a copy of the model, which runs batch by batch. Padded
 * positions (attention_mask 0) are left out for rank-3 [batch, seq, K] values.
 */
public final class ActivationStats {
    private ActivationStats() {}

    public static Map<String, double[]> meanSquares(OnnxModel model, List<String> values, Calibration calibration,
                                             ProgressListener progress) {
        if (calibration.sentences().isEmpty()) {
            throw new NncjException("the calibration data holds no sentences");
        }
        byte[] bytes = exposing(model, values);
        Map<String, double[]> sums = new HashMap<>();
        long[] counts = new long[values.size()];
        OrtEnvironment env = OrtSessions.environment();
        List<String> sentences = calibration.sentences();
        progress.start("calibrating", sentences.size());
        try (TextTokenizer tokenizer = TextTokenizer.load(calibration.tokenizer(), TokenizerOptions.defaults());
             OrtSession.SessionOptions options = new OrtSession.SessionOptions();
             OrtSession session = env.createSession(bytes, options)) {
            for (int from = 0; from < sentences.size(); from += calibration.batchSize()) {
                List<String> batchText = sentences.subList(from, Math.min(sentences.size(), from + calibration.batchSize()));
                EncodedBatch batch = tokenizer.encode(batchText);
                Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
                try {
                    for (String name : session.getInputNames()) {
                        long[][] data = name.contains("mask") ? batch.attentionMask()
                                : name.contains("type") ? batch.tokenTypeIds() : batch.inputIds();
                        inputs.put(name, OnnxTensor.createTensor(env, data));
                    }
                    try (OrtSession.Result result = session.run(inputs, new java.util.HashSet<>(values))) {
                        for (int i = 0; i < values.size(); i++) {
                            OnnxValue v = result.get(values.get(i)).orElseThrow();
                            accumulate((OnnxTensor) v, batch, sums, values.get(i), counts, i);
                        }
                    }
                } finally {
                    inputs.values().forEach(OnnxTensor::close);
                }
                progress.advance(batchText.size());
            }
        } catch (OrtException e) {
            throw new NncjException("ONNX Runtime failed during calibration: " + e.getMessage(), e);
        } finally {
            progress.finish();
        }
        Map<String, double[]> means = new HashMap<>();
        for (int i = 0; i < values.size(); i++) {
            double[] s = sums.get(values.get(i));
            for (int k = 0; k < s.length; k++) {
                s[k] /= Math.max(1, counts[i]);
            }
            means.put(values.get(i), s);
        }
        return means;
    }

    /** The serialized model with {@code values} (float intermediates) added as graph outputs; {@code model} is left as it was. */
    static byte[] exposing(OnnxModel model, List<String> values) {
        List<ValueInfoProto> outputs = List.copyOf(model.graph().outputs()); // a copy: setOutputs clears the live list
        List<ValueInfoProto> extended = new ArrayList<>(outputs);
        for (String v : values) {
            if (!model.graph().isGraphOutput(v)) {
                extended.add(ValueInfoProto.newBuilder().setName(v).setType(TypeProto.newBuilder()
                        .setTensorType(TypeProto.Tensor.newBuilder().setElemType(DataType.FLOAT.code()))).build());
            }
        }
        model.graph().setOutputs(extended);
        try {
            return OnnxFiles.toBytes(model);
        } finally {
            model.graph().setOutputs(outputs);
        }
    }

    private static void accumulate(OnnxTensor t, EncodedBatch batch, Map<String, double[]> sums, String name,
                                   long[] counts, int index) {
        long[] shape = t.getInfo().getShape();
        int k = (int) shape[shape.length - 1];
        double[] acc = sums.computeIfAbsent(name, n -> new double[k]);
        FloatBuffer buf = t.getFloatBuffer();
        int rows = buf.remaining() / k;
        boolean masked = shape.length == 3 && shape[0] == batch.batchSize() && shape[1] == batch.sequenceLength();
        for (int r = 0; r < rows; r++) {
            if (masked && batch.attentionMask()[r / batch.sequenceLength()][r % batch.sequenceLength()] == 0) {
                continue;
            }
            for (int c = 0; c < k; c++) {
                float x = buf.get(r * k + c);
                acc[c] += x * (double) x;
            }
            counts[index]++;
        }
    }
}
