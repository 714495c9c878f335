package dev.nncj.onnx;

/** Operator domains NNCJ writes besides ONNX's default one (""). */
public final class Domains {
    /** ONNX Runtime's contrib operators (MatMulIntegerToFloat, QAttention, MatMulNBits, ...). */
    public static final String MICROSOFT = "com.microsoft";

    /**
     * NNCJ's own training-only operators (fake-quantized weights, movement-pruning masks): nncj-train's
     * executor runs them and no exported model holds them.
     */
    public static final String TRAINING = "dev.nncj.train";

    private Domains() {}
}
