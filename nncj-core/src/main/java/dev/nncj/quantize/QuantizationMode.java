package dev.nncj.quantize;

/** The quantization schemes, one {@link Quantizer} each ({@link Quantizers#forMode}). */
public enum QuantizationMode {
    /** int8 weights, activations quantized at run time (MatMulIntegerToFloat / DynamicQuantizeMatMul family). */
    DYNAMIC_INT8,
    /** QDQ int8 weights and activations, activation ranges calibrated on data through ONNX Runtime. */
    STATIC_INT8,
    /** Block-wise int8 weights only (MatMulNBits bits=8), float activations. */
    INT8_WEIGHT,
    /** Block-wise int4 weights only (MatMulNBits bits=4), float activations. */
    INT4_WEIGHT,
    /** float16 weights, float32 inputs and outputs. */
    FP16,
    /** float8 weights (E4M3FN or E5M2) with scales, dequantized by DequantizeLinear (opset 19). */
    FP8;

    /** The CLI spelling: dynamic-int8, int4-weight, fp16, ... */
    public String cliName() {
        return dev.nncj.Choices.of(this);
    }

    public static QuantizationMode parse(String text) {
        return dev.nncj.Choices.parse(QuantizationMode.class, text, dev.nncj.OptionName.of("mode"));
    }
}
