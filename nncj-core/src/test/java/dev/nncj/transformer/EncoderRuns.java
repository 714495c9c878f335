package dev.nncj.transformer;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.runtime.OrtSessions;
import dev.nncj.runtime.RuntimeOptions;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Runs a tiny encoder through ONNX Runtime on a fixed batch: two sentences, the second padded (shared with the lowrank and share tests). */
public final class EncoderRuns {
    static final long[][] IDS = {{2, 4, 5, 6, 3}, {2, 9, 3, 1, 1}};
    static final long[][] MASK = {{1, 1, 1, 1, 1}, {1, 1, 1, 0, 0}};
    static final long[][] TYPES = {{0, 0, 0, 1, 1}, {0, 0, 0, 0, 0}};

    private static int files;

    private EncoderRuns() {}

    /** The named output, flattened; padded positions included. */
    public static float[] run(OnnxModel model, Path dir, String output) throws Exception {
        Path file = dir.resolve("model" + files++ + ".onnx");
        OnnxFiles.save(model, file);
        try (OrtSession session = OrtSessions.open(file, RuntimeOptions.defaults())) {
            Map<String, OnnxTensor> feed = new HashMap<>();
            try {
                // only the inputs the graph has (RoBERTa and DistilBERT take no token types)
                Map<String, long[][]> inputs = Map.of("input_ids", IDS, "attention_mask", MASK, "token_type_ids", TYPES);
                for (String name : session.getInputNames()) {
                    feed.put(name, tensor(inputs.get(name)));
                }
                try (OrtSession.Result r = session.run(feed, java.util.Set.of(output))) {
                    OnnxTensor t = (OnnxTensor) r.get(0);
                    java.nio.FloatBuffer buf = t.getFloatBuffer();
                    float[] out = new float[buf.remaining()];
                    buf.get(out);
                    return out;
                }
            } finally {
                feed.values().forEach(OnnxTensor::close);
            }
        }
    }

    public static float[] hidden(OnnxModel model, Path dir) throws Exception {
        return run(model, dir, "last_hidden_state");
    }

    /** Hidden states of the real (unpadded) tokens only: padded rows are not part of the contract. */
    public static float[] realTokens(float[] hidden, int width) {
        int seq = IDS[0].length;
        java.util.List<Float> kept = new java.util.ArrayList<>();
        for (int b = 0; b < IDS.length; b++) {
            for (int t = 0; t < seq; t++) {
                if (MASK[b][t] == 1) {
                    for (int k = 0; k < width; k++) {
                        kept.add(hidden[(b * seq + t) * width + k]);
                    }
                }
            }
        }
        float[] out = new float[kept.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = kept.get(i);
        }
        return out;
    }

    public static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
        }
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    private static OnnxTensor tensor(long[][] rows) throws Exception {
        LongBuffer buf = LongBuffer.allocate(rows.length * rows[0].length);
        for (long[] r : rows) {
            buf.put(r);
        }
        return OnnxTensor.createTensor(OrtSessions.environment(), buf.flip(), new long[] {rows.length, rows[0].length});
    }
}
