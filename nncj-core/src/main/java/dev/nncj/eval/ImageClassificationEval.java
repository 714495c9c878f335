package dev.nncj.eval;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.data.ImageDataset;
import dev.nncj.runtime.OrtMessages;
import dev.nncj.runtime.OrtSessions;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;

/**
 * Accuracy of an image classifier on an IDX dataset (Fashion-MNIST). The model takes one float
 * input of pixels scaled to [0, 1], shaped [N, H*W], [N, H, W] or [N, 1, H, W] (read from the
 * model), and outputs logits [N, classes].
 */
public final class ImageClassificationEval {
    private ImageClassificationEval() {}

    public static EvalResult run(Path model, ImageDataset data, EvalOptions options, ProgressListener progress) {
        int correct = 0;
        try (OrtSession session = OrtSessions.open(model, options.runtime())) {
            Map.Entry<String, NodeInfo> input = singleInput(session, model);
            int rank = ((TensorInfo) input.getValue().getInfo()).getShape().length;
            String output = session.getOutputNames().iterator().next();
            progress.start("eval", data.size());
            for (int start = 0; start < data.size(); start += options.batchSize()) {
                int count = Math.min(options.batchSize(), data.size() - start);
                long[] shape = data.batchShape(rank, count).orElseThrow(() -> notAnImageInput(model, input.getKey(), rank));
                float[] pixels = data.pixels(start, count);
                try (OnnxTensor x = OnnxTensor.createTensor(OrtSessions.environment(), FloatBuffer.wrap(pixels), shape);
                     OrtSession.Result result = session.run(Map.of(input.getKey(), x), java.util.Set.of(output))) {
                    float[][] logits = (float[][]) result.get(0).getValue();
                    if (logits.length > 0 && logits[0].length <= maxLabel(data, start, count)) {
                        throw NncjException.inFile(model, "outputs " + logits[0].length
                                + " classes but the labels go up to " + maxLabel(data, start, count));
                    }
                    for (int i = 0; i < count; i++) {
                        if (TextClassificationEval.argmax(logits[i]) == data.label(start + i)) {
                            correct++;
                        }
                    }
                }
                progress.advance(count);
            }
        } catch (OrtException e) {
            throw NncjException.inFile(model, "ONNX Runtime failed to run the model: " + OrtMessages.firstLine(e), e);
        } catch (ClassCastException e) {
            throw NncjException.inFile(model, "output is not float logits [batch, classes]", e);
        } finally {
            progress.finish();
        }
        return EvalResult.accuracy("image-classification", model.toString(), correct, data.size());
    }

    /** The one line for a model whose input no image batch fits. */
    public static NncjException notAnImageInput(Path model, String input, int rank) {
        return NncjException.inFile(model, "input '" + input + "' has rank " + rank
                + "; an image classifier takes [N, H*W], [N, H, W] or [N, 1, H, W]");
    }

    private static int maxLabel(ImageDataset data, int start, int count) {
        int max = 0;
        for (int i = start; i < start + count; i++) {
            max = Math.max(max, data.label(i));
        }
        return max;
    }

    private static Map.Entry<String, NodeInfo> singleInput(OrtSession session, Path model) throws OrtException {
        Map<String, NodeInfo> inputs = session.getInputInfo();
        if (inputs.size() != 1 || !(inputs.values().iterator().next().getInfo() instanceof TensorInfo)) {
            throw NncjException.inFile(model, "an image classifier must take exactly one tensor input, this one takes "
                    + inputs.keySet());
        }
        return inputs.entrySet().iterator().next();
    }
}
