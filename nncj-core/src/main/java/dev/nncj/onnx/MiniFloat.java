package dev.nncj.onnx;

import java.util.Arrays;

/**
 * The 8-bit and 4-bit floating-point formats of ONNX (float8 e4m3fn, e4m3fnuz, e5m2, e5m2fnuz and
 * float4 e2m1). Each has at most 256 codes, so decoding is a table lookup and encoding a binary
 * search over the sorted non-negative values: round to nearest, ties to the even code, and
 * out-of-range values saturate to the largest finite value, which is ONNX's Cast with
 * {@code saturate=1} (the default) and what QuantizeLinear does for float8. E5M2 keeps infinities.
 */
public enum MiniFloat {
    E4M3FN(4, 3, 7, false, false),
    E4M3FNUZ(4, 3, 8, false, true),
    E5M2(5, 2, 15, true, false),
    E5M2FNUZ(5, 2, 16, false, true),
    E2M1(2, 1, 1, false, false);

    private final int codes;
    private final int signBit;
    private final boolean hasInfinity;
    private final boolean unsignedZero;
    private final float[] decodeTable;
    private final float[] positiveValues; // sorted finite non-negative values
    private final int[] positiveCodes;
    private final int nanCode;
    private final int infinityCode;

    MiniFloat(int expBits, int manBits, int bias, boolean hasInfinity, boolean unsignedZero) {
        int totalBits = 1 + expBits + manBits;
        this.codes = 1 << totalBits;
        this.signBit = 1 << (totalBits - 1);
        this.hasInfinity = hasInfinity;
        this.unsignedZero = unsignedZero;
        this.decodeTable = new float[codes];
        int maxExp = (1 << expBits) - 1;
        int nan = -1;
        int inf = -1;
        for (int code = 0; code < codes; code++) {
            boolean negative = (code & signBit) != 0;
            int exp = (code >>> manBits) & maxExp;
            int man = code & ((1 << manBits) - 1);
            float v;
            if (unsignedZero && code == signBit) {
                v = Float.NaN; // the "negative zero" code is the only NaN of the fnuz formats
            } else if (totalBits == 4) {
                v = exp == 0 ? man * 0.5f : (float) ((1 + man / 2.0) * Math.pow(2, exp - bias));
            } else if (hasInfinity && exp == maxExp) {
                v = man == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
            } else if (!hasInfinity && !unsignedZero && exp == maxExp && man == (1 << manBits) - 1) {
                v = Float.NaN; // e4m3fn: only S.1111.111 is NaN, no infinities
            } else if (exp == 0) {
                v = (float) (man * Math.pow(2, 1 - bias - manBits));
            } else {
                v = (float) ((1 + man / (double) (1 << manBits)) * Math.pow(2, exp - bias));
            }
            if (negative && !Float.isNaN(v)) {
                v = -v;
            }
            decodeTable[code] = v;
            if (Float.isNaN(v) && nan < 0) {
                nan = code & ~signBit | (unsignedZero ? signBit : 0);
            }
            if (v == Float.POSITIVE_INFINITY) {
                inf = code;
            }
        }
        this.nanCode = nan < 0 ? 0 : nan; // float4 has no NaN; NaN input encodes as 0
        this.infinityCode = inf;
        int count = 0;
        int[] candidates = new int[codes / 2];
        for (int code = 0; code < codes / 2; code++) {
            float v = decodeTable[code];
            if (!Float.isNaN(v) && !Float.isInfinite(v)) {
                candidates[count++] = code;
            }
        }
        int[] sorted = Arrays.copyOf(candidates, count);
        // positive codes are already in increasing value order for every format here
        this.positiveCodes = sorted;
        this.positiveValues = new float[count];
        for (int i = 0; i < count; i++) {
            positiveValues[i] = decodeTable[sorted[i]];
        }
    }

    public float decode(int code) {
        return decodeTable[code & (codes - 1)];
    }

    public int encode(float value) {
        if (Float.isNaN(value)) {
            return nanCode;
        }
        boolean negative = value < 0 || (value == 0 && 1 / value < 0);
        float abs = Math.abs(value);
        int code;
        if (Float.isInfinite(abs) && hasInfinity) {
            code = infinityCode;
        } else {
            code = nearestPositiveCode(abs);
        }
        if (negative && !(unsignedZero && code == 0)) {
            code |= signBit;
        }
        return code;
    }

    public float maxFinite() {
        return positiveValues[positiveValues.length - 1];
    }

    private int nearestPositiveCode(float abs) {
        int last = positiveValues.length - 1;
        if (abs >= positiveValues[last]) {
            return positiveCodes[last]; // saturate
        }
        int i = Arrays.binarySearch(positiveValues, abs);
        if (i >= 0) {
            return positiveCodes[i];
        }
        int upper = -i - 1;
        int lower = upper - 1;
        float dLow = abs - positiveValues[lower];
        float dHigh = positiveValues[upper] - abs;
        if (dLow < dHigh) {
            return positiveCodes[lower];
        }
        if (dHigh < dLow) {
            return positiveCodes[upper];
        }
        return (positiveCodes[lower] & 1) == 0 ? positiveCodes[lower] : positiveCodes[upper];
    }

    /** The format of an ONNX data type, or null when the type is not a small float. */
    public static MiniFloat of(DataType type) {
        return switch (type) {
            case FLOAT8E4M3FN -> E4M3FN;
            case FLOAT8E4M3FNUZ -> E4M3FNUZ;
            case FLOAT8E5M2 -> E5M2;
            case FLOAT8E5M2FNUZ -> E5M2FNUZ;
            case FLOAT4E2M1 -> E2M1;
            default -> null;
        };
    }
}
