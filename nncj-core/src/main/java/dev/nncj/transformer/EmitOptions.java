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
 * @param unitMasks PLAIN only: also take, per layer, a head mask input [batch, heads] multiplying
 *                  each head's context before the output projection ({@link #headMaskInput}) and a
 *                  neuron mask input [batch, ffn] multiplying the FFN activation
 *                  ({@link #neuronMaskInput}); all ones computes the unmasked encoder. The
 *                  per-example masks are what gradient importance differentiates (Michel et al.
 *                  2019's head mask xi_h, one per example so that |dL(x)/dxi| is taken per x)
 */
public record EmitOptions(AttentionStyle attention, boolean exposeInternals, boolean unitMasks) {
    public EmitOptions {
        if (unitMasks && attention != AttentionStyle.PLAIN) {
            throw new IllegalArgumentException("unit masks need the plain attention style");
        }
    }

    public EmitOptions(AttentionStyle attention, boolean exposeInternals) {
        this(attention, exposeInternals, false);
    }

    public enum AttentionStyle { PLAIN, FUSED }

    public static EmitOptions defaults() {
        return new EmitOptions(AttentionStyle.PLAIN, false);
    }

    public EmitOptions withAttention(AttentionStyle style) {
        return new EmitOptions(style, exposeInternals, unitMasks);
    }

    public EmitOptions withInternals() {
        return new EmitOptions(attention, true, unitMasks);
    }

    public EmitOptions withUnitMasks() {
        return new EmitOptions(attention, exposeInternals, true);
    }

    public static String headMaskInput(int layer) {
        return "nncj.layer" + layer + ".head_mask";
    }

    public static String neuronMaskInput(int layer) {
        return "nncj.layer" + layer + ".ffn_mask";
    }

    public static String contextOutput(int layer) {
        return "nncj.layer" + layer + ".attention_context";
    }

    public static String activationOutput(int layer) {
        return "nncj.layer" + layer + ".ffn_activation";
    }
}
