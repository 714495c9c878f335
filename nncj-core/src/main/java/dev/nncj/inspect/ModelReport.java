package dev.nncj.inspect;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code nncj inspect} reports about a model. Serialized to JSON with snake_case names
 * ({@code parameters}, {@code bytes}, {@code ops}, {@code inputs}, {@code outputs}, ...).
 *
 * @param parameters elements of floating-point initializers
 * @param quantizedParameters elements of 8- and 4-bit integer initializers (quantized weights)
 * @param bytes size on disk of the .onnx file plus external data files it references
 * @param ops node count per op type ("Domain:Op" outside the ONNX domain), most frequent first
 * @param encoder the encoder's dimensions: from the lifter when it recognized the encoder (then
 *                heads or FFN width are -1 if layers differ), else from the shallow detector
 * @param encoderLayers per-layer structure when the lifter recognized the encoder
 * @param encoderLiftFailure why the lifter did not, when the detector saw an encoder anyway
 */
public record ModelReport(
        String file,
        long parameters,
        long quantizedParameters,
        long bytes,
        long irVersion,
        Map<String, Long> opsets,
        String producer,
        int nodes,
        Map<String, Integer> ops,
        List<Value> inputs,
        List<Value> outputs,
        List<Initializer> largestInitializers,
        Map<String, String> metadata,
        Optional<EncoderShape> encoder,
        Optional<EncoderStructure> encoderLayers,
        Optional<String> encoderLiftFailure) {

    /** A graph input or output, e.g. input_ids int64[batch_size, sequence_length]. */
    public record Value(String name, String type, List<String> shape) {}

    public record Initializer(String name, String type, List<Long> shape, long elements, long bytes) {}
}
