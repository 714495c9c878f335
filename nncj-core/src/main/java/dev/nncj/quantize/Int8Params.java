package dev.nncj.quantize;

/**
 * Symmetric signed int8 quantization of one range: {@code scale = max|x| / max}, zero point 0,
 * {@code q = clamp(round_half_even(x / scale), -max, max)}, max 127 for values read back by a plain
 * Cast and Mul (the embedding rows), 63 for weights of integer GEMMs ({@link #forWeights}).
 */
public record Int8Params(float scale, int max) {
    /** Weights multiplied by uint8 activations keep |q| ≤ 63: see {@link #forWeights}. */
    public static final int WEIGHT_MAX = 63;

    public static Int8Params forMaxAbs(float maxAbs) {
        return new Int8Params(maxAbs == 0 ? 1f : maxAbs / 127f, 127);
    }

    /**
     * A symmetric weight range on 7 bits ({@code scale = max|W| / 63}, q in [-63, 63]): ONNX Runtime's
     * fast x86 u8·s8 GEMM (VPMADDUBSW, AVX2 without VNNI) sums two u8·s8 products in int16, which
     * saturates above 32767; with |q| ≤ 63 the sum stays within 255·63·2 = 32130, exact (ORT's own
     * quantizer calls this reduce_range).
     */
    public static Int8Params forWeights(float maxAbs) {
        return new Int8Params(maxAbs == 0 ? 1f : maxAbs / WEIGHT_MAX, WEIGHT_MAX);
    }

    public int quantize(float x) {
        return (int) Math.max(-max, Math.min(max, Math.rint(x / scale)));
    }
}
