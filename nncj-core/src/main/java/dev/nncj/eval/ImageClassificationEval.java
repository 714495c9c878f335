package dev.nncj.eval;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.data.ImageDataset;
import dev.nncj.runtime.OrtMessages;
import dev.nncj.runtime.OrtSessions;
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
            ImageInput input = ImageInput.of(session, model);
            String output = session.getOutputNames().iterator().next();
            progress.start("eval", data.size());
            for (int start = 0; start < data.size(); start += options.batchSize()) {
                int count = Math.min(options.batchSize(), data.size() - start);
                try (OnnxTensor x = input.batch(data, start, count);
                     OrtSession.Result result = session.run(Map.of(input.name(), x), java.util.Set.of(output))) {
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

    private static int maxLabel(ImageDataset data, int start, int count) {
        int max = 0;
        for (int i = start; i < start + count; i++) {
            max = Math.max(max, data.label(i));
        }
        return max;
    }
}
