package dev.nncj.quantize;

/**
 * Affine uint8 quantization of one range: {@code q = saturate(round_half_even(x / scale) + zeroPoint)},
 * {@code x ≈ (q - zeroPoint) * scale}, the arithmetic of ONNX QuantizeLinear / DynamicQuantizeLinear.
 *
 * <p>Symmetric ranges use zero point 128 and 127 steps each side ({@code scale = max|x| / 127}), so 0
 * is exact and q stays in [1, 255]. Asymmetric ranges stretch [min(lo, 0), max(hi, 0)] over all 255
 * steps ({@code scale = (hi - lo) / 255}, {@code zeroPoint = round(-lo / scale)}); including 0 keeps
 * zero padding exact, as ONNX's DynamicQuantizeLinear does.
 *
 * <p>Integer MatMuls store symmetric weights as int8 ({@link QuantizedMatrix}), the levels of the
 * symmetric uint8 ones shifted by 128. On x86 without VNNI, ONNX Runtime's u8·s8 kernel uses VPMADDUBSW,
 * whose int16 pair sums can saturate (255·127·2 > 32767), where the u8·u8 kernel does not; but the u8·u8
 * kernel costs 1.23x the time on an AVX2 AMD EPYC, and MiniLM's embeddings lose less to the saturation
 * (mean cosine to fp32 0.9909 against 0.9918 with uint8 weights) than to ONNX Runtime's own quantizer,
 * which makes the same choice (0.9893): bench/results/2026-12-03-int8-avx2.md.
 */
public record UInt8Params(float scale, int zeroPoint) {
    public static final int SYMMETRIC_ZERO_POINT = 128;

    public static UInt8Params forRange(float lo, float hi, boolean symmetric) {
        if (!Float.isFinite(lo) || !Float.isFinite(hi) || lo > hi) {
            throw new IllegalArgumentException("bad range [" + lo + ", " + hi + "]");
        }
        if (symmetric) {
            float a = Math.max(Math.abs(lo), Math.abs(hi));
            return new UInt8Params(a == 0 ? 1f : a / 127f, SYMMETRIC_ZERO_POINT);
        }
        float min = Math.min(lo, 0f);
        float max = Math.max(hi, 0f);
        if (max == min) {
            return new UInt8Params(1f, 0);
        }
        float scale = (max - min) / 255f;
        int zp = (int) Math.max(0, Math.min(255, Math.rint(-min / scale)));
        return new UInt8Params(scale, zp);
    }

    public int quantize(float x) {
        double q = Math.rint(x / scale) + zeroPoint;
        return (int) Math.max(0, Math.min(255, q));
    }

    public float dequantize(int q) {
        return (q - zeroPoint) * scale;
    }
}
