package dev.nncj.calibration;

import dev.nncj.ProgressListener;
import dev.nncj.eval.FloatArray;
import dev.nncj.onnx.OnnxModel;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-channel second moments {@code E[x_k^2]} of float activations, what input-weighted methods
 * need: Wanda's pruning score, activation-aware SVD, AWQ's scales. The channel is what a weight
 * multiplies: the last axis of a value, or axis C of an image model's feature map [N, C, H, W]
 * (averaged over its positions). Padded positions of a text model's token-level values [batch, seq, K]
 * are left out; a value the data never produces (not float) has no entry.
 */
public final class MeanSquares implements ActivationAccumulator {
    private final boolean channelsFirst;
    private final Map<String, double[]> sums = new HashMap<>();
    private final Map<String, Long> counts = new HashMap<>();

    private MeanSquares(boolean channelsFirst) {
        this.channelsFirst = channelsFirst;
    }

    /** E[x_k^2] of each of {@code values} in {@code model}, over {@code data}; the model is left as it was. */
    public static Map<String, double[]> measure(OnnxModel model, List<String> values, CalibrationData data,
                                                ProgressListener progress) {
        MeanSquares m = new MeanSquares(data instanceof CalibrationData.Images);
        ActivationObserver.observe(model, values, data, "calibrating", progress, m);
        return m.means();
    }

    @Override
    public void accept(ObservedBatch batch, Map<String, FloatArray> values) {
        values.forEach((name, value) -> add(name, value, batch));
    }

    /** Adds x^2 per channel, visiting each channel's elements in storage order (so sums are reproducible). */
    private void add(String name, FloatArray value, ObservedBatch batch) {
        long[] shape = value.shape();
        int axis = channelsFirst && shape.length == 4 ? 1 : shape.length - 1;
        int channels = (int) shape[axis];
        int inner = 1;
        for (int d = axis + 1; d < shape.length; d++) {
            inner *= (int) shape[d];
        }
        float[] x = value.data();
        int outer = x.length / (channels * inner);
        double[] acc = sums.computeIfAbsent(name, n -> new double[channels]);
        long counted = 0;
        for (int o = 0; o < outer; o++) {
            if (!batch.isRealToken(shape, o)) {
                continue;
            }
            for (int c = 0; c < channels; c++) {
                int base = (o * channels + c) * inner;
                for (int i = 0; i < inner; i++) {
                    float v = x[base + i];
                    acc[c] += v * (double) v;
                }
            }
            counted += inner;
        }
        counts.merge(name, counted, Long::sum);
    }

    private Map<String, double[]> means() {
        sums.forEach((name, s) -> {
            long n = Math.max(1, counts.get(name));
            for (int c = 0; c < s.length; c++) {
                s[c] /= n;
            }
        });
        return sums;
    }
}
