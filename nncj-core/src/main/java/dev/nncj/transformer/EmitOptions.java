package dev.nncj.transformer;

/**
 * How {@link EncoderEmitter} writes a spec.
 *
 * @param attention PLAIN (default): MatMul/Softmax attention in the PyTorch-export shape, which
 *                  reproduces an unmodified MiniLM bit for bit under ORT; FUSED: one
 *                  com.microsoft.Attention per layer (packed Q/K/V), within 2e-5 of it and measured
 *                  no faster on ORT 1.23.2's CPU provider (bench/results/2026-11-27-surgery.md)
 * @param exposeInternals also output each layer's attention context (before the output
 *                  projection) and FFN activation, named {@link #contextOutput} and
 *                  {@link #activationOutput}: the taps data-driven importance reads
 */
public record EmitOptions(AttentionStyle attention, boolean exposeInternals) {
    public enum AttentionStyle { PLAIN, FUSED }

    public static EmitOptions defaults() {
        return new EmitOptions(AttentionStyle.PLAIN, false);
    }

    public EmitOptions withAttention(AttentionStyle style) {
        return new EmitOptions(style, exposeInternals);
    }

    public EmitOptions withInternals() {
        return new EmitOptions(attention, true);
    }

    public static String contextOutput(int layer) {
        return "nncj.layer" + layer + ".attention_context";
    }

    public static String activationOutput(int layer) {
        return "nncj.layer" + layer + ".ffn_activation";
    }
}
