package dev.nncj.quantize;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.calibration.ActivationObserver;
import dev.nncj.onnx.OnnxModel;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The activation ranges static quantization needs, observed on real data ({@link ActivationObserver})
 * and estimated by the chosen method. Min-max needs one sweep; percentile and entropy a second one
 * over the same session, histogramming over the first sweep's range (a fixed range keeps the
 * histograms of all batches addable).
 */
final class ActivationCalibrator {
    private ActivationCalibrator() {}

    /** Ranges [lo, hi] of {@code tensors}, measured on {@code calibration}'s sentences. */
    static Map<String, float[]> ranges(OnnxModel model, Set<String> tensors, Calibration calibration,
                                       ProgressListener progress) {
        try (ActivationObserver observer = ActivationObserver.open(model, tensors, calibration.data())) {
            Map<String, float[]> minMax = sweepMinMax(observer, tensors, progress);
            if (calibration.method() == Calibration.Method.MIN_MAX) {
                return minMax;
            }
            return sweepHistograms(observer, minMax, calibration, progress);
        }
    }

    private static Map<String, float[]> sweepMinMax(ActivationObserver observer, Set<String> tensors,
                                                    ProgressListener progress) {
        Map<String, float[]> ranges = new LinkedHashMap<>();
        for (String t : tensors) {
            ranges.put(t, new float[] {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY});
        }
        observer.sweep("calibrating (min/max)", progress, (batch, values) -> values.forEach((name, value) -> {
            float[] r = ranges.get(name);
            for (float v : value.data()) {
                r[0] = Math.min(r[0], v);
                r[1] = Math.max(r[1], v);
            }
        }));
        for (Map.Entry<String, float[]> e : ranges.entrySet()) {
            if (e.getValue()[0] > e.getValue()[1]) {
                throw new NncjException("calibration: tensor " + e.getKey() + " was never observed");
            }
        }
        return ranges;
    }

    private static Map<String, float[]> sweepHistograms(ActivationObserver observer, Map<String, float[]> minMax,
                                                        Calibration c, ProgressListener progress) {
        boolean entropy = c.method() == Calibration.Method.ENTROPY;
        Map<String, long[]> hists = new LinkedHashMap<>();
        minMax.keySet().forEach(t -> hists.put(t, new long[RangeEstimator.BINS]));
        observer.sweep("calibrating (" + c.method().name().toLowerCase(Locale.ROOT) + ")", progress,
                (batch, values) -> values.forEach((name, value) -> {
                    float[] r = minMax.get(name);
                    long[] h = hists.get(name);
                    float lo = entropy ? 0 : r[0];
                    float hi = entropy ? Math.max(Math.abs(r[0]), Math.abs(r[1])) : r[1];
                    float scale = hi > lo ? RangeEstimator.BINS / (hi - lo) : 0;
                    for (float v : value.data()) {
                        int b = (int) (((entropy ? Math.abs(v) : v) - lo) * scale);
                        h[Math.max(0, Math.min(RangeEstimator.BINS - 1, b))]++;
                    }
                }));
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
}
