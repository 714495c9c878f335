package dev.nncj.quantize;

import dev.nncj.ProgressListener;
import dev.nncj.onnx.OnnxModel;

/** One quantization scheme: rewrites a float model (in place or as a copy) and accounts for it. */
public interface ModelQuantizer {
    QuantizationResult quantize(OnnxModel model, QuantizeOptions options, ProgressListener progress);
}
