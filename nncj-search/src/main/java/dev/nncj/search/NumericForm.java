package dev.nncj.search;

/** How a candidate's encoder weights and activations are stored and computed. */
public enum NumericForm {
    FP32("fp32"),
    DYNAMIC_INT8("int8-dynamic"),
    /** Dynamic int8 with each layer's attention in one QAttention (Q/K/V in one integer GEMM). */
    DYNAMIC_INT8_FUSED("int8-dynamic-fused"),
    STATIC_INT8("int8-static");

    private final String label;

    NumericForm(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /**
     * Whether quantization-aware training has a trainable form of it (fake quantization that exports
     * this graph): the two int8 forms with the model's own attention. The others score at the qat
     * stage as their full distillation.
     */
    public boolean quantizationAwareTrainable() {
        return this == DYNAMIC_INT8 || this == STATIC_INT8;
    }

    public static NumericForm ofLabel(String label) {
        for (NumericForm f : values()) {
            if (f.label.equals(label)) {
                return f;
            }
        }
        throw new IllegalArgumentException("no numeric form '" + label + "'");
    }
}
