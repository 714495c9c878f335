package dev.nncj.transformer;

import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.util.List;
import java.util.Optional;

/**
 * The original graph's inputs and outputs, by role, so an emitted model is a drop-in replacement:
 * same names, types and order. {@code attentionMask} and {@code tokenTypeIds} are absent when the
 * graph has no such input; {@code poolerOutput} when it has no pooled output.
 */
public record EncoderInterface(List<ValueInfoProto> inputs, List<ValueInfoProto> outputs, String inputIds,
                               Optional<String> attentionMask, Optional<String> tokenTypeIds,
                               String hiddenOutput, Optional<String> poolerOutput) {
    public EncoderInterface {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }
}
