package dev.nncj.onnx;

import java.util.Arrays;

/**
 * ONNX tensor element types, with their wire codes (TensorProto.DataType) and storage widths.
 * Kept as our own enum so that types newer than the generated protobuf classes still work: the
 * code is an int on the wire.
 */
public enum DataType {
    FLOAT(1, 32, Kind.FLOAT),
    UINT8(2, 8, Kind.INTEGER),
    INT8(3, 8, Kind.INTEGER),
    UINT16(4, 16, Kind.INTEGER),
    INT16(5, 16, Kind.INTEGER),
    INT32(6, 32, Kind.INTEGER),
    INT64(7, 64, Kind.INTEGER),
    STRING(8, 0, Kind.OTHER),
    BOOL(9, 8, Kind.OTHER),
    FLOAT16(10, 16, Kind.FLOAT),
    DOUBLE(11, 64, Kind.FLOAT),
    UINT32(12, 32, Kind.INTEGER),
    UINT64(13, 64, Kind.INTEGER),
    COMPLEX64(14, 64, Kind.OTHER),
    COMPLEX128(15, 128, Kind.OTHER),
    BFLOAT16(16, 16, Kind.FLOAT),
    FLOAT8E4M3FN(17, 8, Kind.FLOAT),
    FLOAT8E4M3FNUZ(18, 8, Kind.FLOAT),
    FLOAT8E5M2(19, 8, Kind.FLOAT),
    FLOAT8E5M2FNUZ(20, 8, Kind.FLOAT),
    UINT4(21, 4, Kind.INTEGER),
    INT4(22, 4, Kind.INTEGER),
    FLOAT4E2M1(23, 4, Kind.FLOAT);

    private enum Kind { FLOAT, INTEGER, OTHER }

    private static final DataType[] BY_CODE = new DataType[24];

    static {
        for (DataType t : values()) {
            BY_CODE[t.code] = t;
        }
    }

    private final int code;
    private final int bits;
    private final Kind kind;

    DataType(int code, int bits, Kind kind) {
        this.code = code;
        this.bits = bits;
        this.kind = kind;
    }

    /** The TensorProto.DataType number. */
    public int code() {
        return code;
    }

    /** Bits per element in raw_data (4 for the packed 4-bit types, 0 for strings). */
    public int bits() {
        return bits;
    }

    public boolean isFloatingPoint() {
        return kind == Kind.FLOAT;
    }

    public boolean isInteger() {
        return kind == Kind.INTEGER;
    }

    public boolean isSigned() {
        return switch (this) {
            case INT8, INT16, INT32, INT64, INT4 -> true;
            default -> isFloatingPoint();
        };
    }

    /** Bytes that {@code elements} values take in raw_data; 4-bit types pack two per byte. */
    public long storageBytes(long elements) {
        return (elements * bits + 7) / 8;
    }

    /** The lower-case name ONNX tools print, e.g. "float32", "int8", "float8e4m3fn". */
    public String displayName() {
        return switch (this) {
            case FLOAT -> "float32";
            case DOUBLE -> "float64";
            default -> name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    /** Whether {@code code} is a tensor element type this build knows (0, "undefined", is not). */
    public static boolean isKnown(int code) {
        return code > 0 && code < BY_CODE.length && BY_CODE[code] != null;
    }

    public static DataType fromCode(int code) {
        if (!isKnown(code)) {
            throw new IllegalArgumentException("unknown ONNX tensor data type " + code
                    + " (known: " + Arrays.toString(values()) + ")");
        }
        return BY_CODE[code];
    }
}
