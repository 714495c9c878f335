package dev.nncj.quantize;

import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.TempFiles;
import dev.nncj.data.EncodedBatch;
import dev.nncj.data.TextTokenizer;
import dev.nncj.eval.FloatArray;
import dev.nncj.eval.TextModelSession;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.SaveOptions;
import dev.nncj.onnx.TokenEmbedding;
import dev.nncj.runtime.RuntimeOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Observes activations on real data through ONNX Runtime: the tensors whose ranges static
 * quantization needs are added as extra graph outputs of a copy of the model, the calibration
 * sentences run through it in batches, and each tensor's range is estimated by the chosen method.
 * Min-max needs one sweep; percentile and entropy a second one, histogramming over the first
 * sweep's range (a fixed range keeps the histograms of all batches addable).
 */
final class ActivationCalibrator {
    private ActivationCalibrator() {}

    /** Ranges [lo, hi] of {@code tensors}, measured on {@code calibration}'s sentences. */
    static Map<String, float[]> ranges(OnnxModel model, Set<String> tensors, Calibration calibration,
                                       ProgressListener progress) {
        if (calibration.sentences().isEmpty()) {
            throw new NncjException("calibration data: no sentences to calibrate on");
        }
        Path dir;
        try {
            dir = TempFiles.createDirectory("nncj-calibration");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (TextTokenizer tokenizer = TextTokenizer.load(calibration.tokenizer())) {
            TokenEmbedding.vocabularySize(model.graph()).ifPresent(rows -> {
                if (tokenizer.vocabularySize() > rows) {
                    throw NncjException.inFile(calibration.tokenizer(), "vocabulary has " + tokenizer.vocabularySize()
                            + " tokens but the model embeds only " + rows + " (wrong tokenizer for this model?)");
                }
            });
            Path file = dir.resolve("observed.onnx");
            List<ValueInfoProto> outputs = List.copyOf(model.graph().outputs());
            try {
                observe(model, tensors);
                OnnxFiles.save(model, file, SaveOptions.defaults());
            } finally {
                model.graph().setOutputs(outputs); // the model itself is left as it was
            }
            try (TextModelSession session = new TextModelSession(file, RuntimeOptions.defaults().withIntraOpThreads(0),
                    java.util.Optional.empty())) {
                Map<String, float[]> minMax = sweepMinMax(session, tokenizer, tensors, calibration, progress);
                if (calibration.method() == Calibration.Method.MIN_MAX) {
                    return minMax;
                }
                return sweepHistograms(session, tokenizer, minMax, calibration, progress);
            }
        } finally {
            TempFiles.delete(dir);
        }
    }

    /** Adds {@code tensors} to the model's outputs (type float, shape unknown). */
    static void observe(OnnxModel model, Set<String> tensors) {
        Set<String> present = new LinkedHashSet<>();
        model.graph().outputs().forEach(o -> present.add(o.getName()));
        for (String t : tensors) {
            if (present.add(t)) {
                model.graph().addOutput(ValueInfoProto.newBuilder().setName(t).setType(TypeProto.newBuilder()
                        .setTensorType(TypeProto.Tensor.newBuilder().setElemType(DataType.FLOAT.code()))).build());
            }
        }
    }

    private static Map<String, float[]> sweepMinMax(TextModelSession session, TextTokenizer tokenizer,
                                                    Set<String> tensors, Calibration c, ProgressListener progress) {
        Map<String, float[]> ranges = new LinkedHashMap<>();
        for (String t : tensors) {
            ranges.put(t, new float[] {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY});
        }
        forEachBatch(session, tokenizer, tensors, c, progress, "calibrating (min/max)", (name, data) -> {
            float[] r = ranges.get(name);
            for (float v : data) {
                r[0] = Math.min(r[0], v);
                r[1] = Math.max(r[1], v);
            }
        });
        for (Map.Entry<String, float[]> e : ranges.entrySet()) {
            if (e.getValue()[0] > e.getValue()[1]) {
                throw new NncjException("calibration: tensor " + e.getKey() + " was never observed");
            }
        }
        return ranges;
    }

    private static Map<String, float[]> sweepHistograms(TextModelSession session, TextTokenizer tokenizer,
                                                        Map<String, float[]> minMax, Calibration c,
                                                        ProgressListener progress) {
        boolean entropy = c.method() == Calibration.Method.ENTROPY;
        Map<String, long[]> hists = new LinkedHashMap<>();
        minMax.keySet().forEach(t -> hists.put(t, new long[RangeEstimator.BINS]));
        forEachBatch(session, tokenizer, minMax.keySet(), c, progress,
                "calibrating (" + c.method().name().toLowerCase(java.util.Locale.ROOT) + ")", (name, data) -> {
                    float[] r = minMax.get(name);
                    long[] h = hists.get(name);
                    float lo = entropy ? 0 : r[0];
                    float hi = entropy ? Math.max(Math.abs(r[0]), Math.abs(r[1])) : r[1];
                    float scale = hi > lo ? RangeEstimator.BINS / (hi - lo) : 0;
                    for (float v : data) {
                        int b = (int) (((entropy ? Math.abs(v) : v) - lo) * scale);
                        h[Math.max(0, Math.min(RangeEstimator.BINS - 1, b))]++;
                    }
                });
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, float[]> e : minMax.entrySet()) {
            float[] r = e.getValue();
            long[] h = hists.get(e.getKey());
            if (r[0] == r[1]) {
                out.put(e.getKey(), r);
            } else if (entropy) {
                float t = RangeEstimator.entropyThreshold(h, Math.max(Math.abs(r[0]), Math.abs(r[1])));
                out.put(e.getKey(), new float[] {Math.max(r[0], -t), Math.min(r[1], t)});
            } else {
                out.put(e.getKey(), RangeEstimator.percentile(h, r[0], r[1], c.percentile()));
            }
        }
        return out;
    }

    private interface Observer {
        void accept(String tensor, float[] data);
    }

    private static void forEachBatch(TextModelSession session, TextTokenizer tokenizer, Set<String> tensors,
                                     Calibration c, ProgressListener progress, String task, Observer observer) {
        List<String> sentences = c.sentences();
        int batchSize = Math.max(1, c.batchSize());
        progress.start(task, (sentences.size() + batchSize - 1) / batchSize);
        try {
            for (int i = 0; i < sentences.size(); i += batchSize) {
                EncodedBatch batch = tokenizer.encode(sentences.subList(i, Math.min(sentences.size(), i + batchSize)));
                Map<String, FloatArray> out = session.runAll(batch, tensors);
                out.forEach((name, array) -> observer.accept(name, array.data()));
                progress.advance(1);
            }
        } finally {
            progress.finish();
        }
    }
}
