package dev.nncj.quantize;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.data.ImageDataset;
import dev.nncj.eval.ImageInput;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.runtime.OrtMessages;
import dev.nncj.runtime.OrtSessions;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

/**
 * Per-channel second moments {@code E[x_c^2]} of float activations of an image classifier over the
 * first images of a dataset, measured by ONNX Runtime, as {@link ActivationStats} measures a text
 * model's. The channel of a feature map [N, C, H, W] is C (averaged over its positions), of any other
 * value its last axis. The graph input itself may be named: its statistics are the pixels fed.
 */
public final class ImageActivationStats {
    private static final int BATCH = 256;

    private ImageActivationStats() {}

    /** @param images how many images, from the first, are measured */
    public static Map<String, double[]> meanSquares(OnnxModel model, List<String> values, ImageDataset data, int images,
                                                    ProgressListener progress) {
        Path file = model.source().orElse(Path.of("(model in memory)"));
        int count = Math.min(images, data.size());
        if (count < 1) {
            throw new NncjException("no images to measure activations on");
        }
        // the graph input is read from the fed tensor, not exposed as an output of itself
        List<String> computed = values.stream().filter(v -> !model.graph().isGraphInput(v)).toList();
        Map<String, double[]> sums = new HashMap<>();
        Map<String, Long> counts = new HashMap<>();
        progress.start("activations", count);
        OrtEnvironment env = OrtSessions.environment(); // before SessionOptions: it loads ORT's libraries
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
             OrtSession session = env.createSession(ActivationStats.exposing(model, computed), options)) {
            ImageInput input = ImageInput.of(session, file);
            for (int start = 0; start < count; start += BATCH) {
                int n = Math.min(BATCH, count - start);
                try (OnnxTensor x = input.batch(data, start, n);
                     OrtSession.Result result = session.run(Map.of(input.name(), x), new HashSet<>(computed))) {
                    if (values.contains(input.name())) {
                        accumulate(x, input.name(), sums, counts);
                    }
                    for (String v : computed) {
                        accumulate((OnnxTensor) result.get(v).orElseThrow(), v, sums, counts);
                    }
                }
                progress.advance(n);
            }
        } catch (OrtException e) {
            throw NncjException.inFile(file, "ONNX Runtime failed to run the model: " + OrtMessages.firstLine(e), e);
        } finally {
            progress.finish();
        }
        sums.forEach((v, s) -> {
            for (int c = 0; c < s.length; c++) {
                s[c] /= counts.get(v);
            }
        });
        return sums;
    }

    /**
     * Adds x^2 per channel of {@code t}: axis 1 of a feature map [N, C, H, W], the last axis otherwise (what a
     * MatMul reduces over). The count is per channel: every element of the batch that is not a channel.
     */
    private static void accumulate(OnnxTensor t, String name, Map<String, double[]> sums, Map<String, Long> counts) {
        long[] shape = t.getInfo().getShape();
        int axis = shape.length == 4 ? 1 : shape.length - 1;
        int channels = (int) shape[axis];
        int stride = 1;
        for (int d = axis + 1; d < shape.length; d++) {
            stride *= (int) shape[d];
        }
        double[] acc = sums.computeIfAbsent(name, n -> new double[channels]);
        FloatBuffer buf = t.getFloatBuffer();
        int elements = buf.remaining();
        for (int i = 0; i < elements; i++) {
            float x = buf.get(i);
            acc[(i / stride) % channels] += x * (double) x;
        }
        counts.merge(name, (long) (elements / channels), Long::sum);
    }
}
