package dev.nncj.quantize;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.OnnxModel;
import java.nio.file.Path;
import java.util.Set;

/** The registry from mode to quantizer, and the checks every mode shares. */
public final class Quantizers {
    /** Ops that only appear in models that are already quantized. */
    private static final Set<String> QUANTIZED_OPS = Set.of("QuantizeLinear", "DequantizeLinear",
            "DynamicQuantizeLinear", "MatMulInteger", "ConvInteger", "QLinearMatMul", "QLinearConv",
            "MatMulNBits", "MatMulIntegerToFloat", "DynamicQuantizeMatMul", "QAttention", "QGemm",
            "GatherBlockQuantized", "MatMulBnb4");

    private Quantizers() {}

    public static ModelQuantizer forMode(QuantizationMode mode) {
        return switch (mode) {
            case DYNAMIC_INT8 -> new DynamicInt8Quantizer();
            case STATIC_INT8 -> new StaticInt8Quantizer();
            case INT8_WEIGHT -> new BlockWeightQuantizer(8);
            case INT4_WEIGHT -> new BlockWeightQuantizer(4);
            case FP16 -> new Fp16Quantizer();
            case FP8 -> new Fp8Quantizer();
        };
    }

    /** Quantizes {@code model} (read from {@code file}) with the mode's quantizer after the shared checks. */
    public static QuantizationResult quantize(OnnxModel model, Path file, QuantizeOptions options,
                                              ProgressListener progress) {
        refuseQuantized(model, file);
        return forMode(options.mode()).quantize(model, options, progress);
    }

    /** A model that already holds quantized ops or integer weights is refused, in one line. */
    public static void refuseQuantized(OnnxModel model, Path file) {
        for (Node n : model.graph().nodes()) {
            if (QUANTIZED_OPS.contains(n.opType())) {
                throw NncjException.inFile(file, "is already quantized (it has " + n.opType() + " node '" + n.name()
                        + "'); quantize the float model instead");
            }
        }
    }
}
