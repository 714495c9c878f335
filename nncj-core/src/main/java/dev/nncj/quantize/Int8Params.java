package dev.nncj.quantize;

/**
 * Symmetric signed int8 quantization of one range: {@code scale = max|x| / 127}, zero point 0,
 * {@code q = clamp(round_half_even(x / scale), -127, 127)}. Used where the values are read back by
 * a plain Cast and Mul (the embedding rows), so no zero point needs to travel with them.
 */
public record Int8Params(float scale) {
    public static Int8Params forMaxAbs(float maxAbs) {
        return new Int8Params(maxAbs == 0 ? 1f : maxAbs / 127f);
    }

    public int quantize(float x) {
        return (int) Math.max(-127, Math.min(127, Math.rint(x / scale)));
    }
}
