package dev.nncj.eval;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.nncj.NncjException;
import dev.nncj.data.ImageDataset;
import dev.nncj.runtime.OrtSessions;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;

/**
 * The one float input of an image classifier's session, shaped [N, H*W], [N, H, W] or [N, 1, H, W]
 * (read from the model), and batches of a dataset's images in that shape. Shared by the image
 * evaluation and the activation statistics, so a model either can read the same way.
 *
 * @param model the model's file, named in errors
 */
public record ImageInput(String name, int rank, Path model) {
    /** The session's single tensor input, or one line naming the file. */
    public static ImageInput of(OrtSession session, Path model) throws OrtException {
        Map<String, NodeInfo> inputs = session.getInputInfo();
        if (inputs.size() != 1 || !(inputs.values().iterator().next().getInfo() instanceof TensorInfo info)) {
            throw NncjException.inFile(model, "an image classifier must take exactly one tensor input, this one takes "
                    + inputs.keySet());
        }
        return new ImageInput(inputs.keySet().iterator().next(), info.getShape().length, model);
    }

    /** Images {@code start .. start+count-1} of {@code data} as a tensor of this input's shape; the caller closes it. */
    public OnnxTensor batch(ImageDataset data, int start, int count) throws OrtException {
        long[] shape = data.batchShape(rank, count).orElseThrow(() -> NncjException.inFile(model, "input '" + name
                + "' has rank " + rank + "; an image classifier takes [N, H*W], [N, H, W] or [N, 1, H, W]"));
        return OnnxTensor.createTensor(OrtSessions.environment(), FloatBuffer.wrap(data.pixels(start, count)), shape);
    }
}
