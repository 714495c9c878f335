package dev.nncj.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A named, typed, immutable tensor: an ONNX initializer or constant. Values live in ONNX's raw_data
 * layout (little-endian, 4-bit types packed two per byte, low nibble first) whatever encoding the
 * file used, so every pass reads one form. The buffer may be a memory-mapped slice of an external
 * data file; it is never written through.
 *
 * <p>Numeric views ({@link #toFloats()}, {@link #toLongs()}) decode any element type; the factories
 * encode floats into any floating-point type with round-to-nearest-even.
 */
public final class Tensor {
    private final String name;
    private final DataType type;
    private final long[] shape;
    private final ByteBuffer raw;
    private final List<byte[]> strings;

    private Tensor(String name, DataType type, long[] shape, ByteBuffer raw, List<byte[]> strings) {
        this.name = Objects.requireNonNull(name, "name");
        this.type = Objects.requireNonNull(type, "type");
        this.shape = shape.clone();
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor " + name + " has a negative dimension: " + Arrays.toString(shape));
            }
        }
        this.raw = raw == null ? null : raw.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        this.strings = strings;
        if (type == DataType.STRING) {
            if (strings == null || strings.size() != numElements()) {
                throw new IllegalArgumentException("string tensor " + name + " needs " + numElements() + " strings");
            }
        } else {
            long expected = type.storageBytes(numElements());
            if (this.raw.remaining() != expected) {
                throw new IllegalArgumentException("tensor " + name + " of type " + type.displayName()
                        + " and shape " + Arrays.toString(shape) + " needs " + expected + " bytes, has "
                        + this.raw.remaining());
            }
        }
    }

    /** A tensor over raw little-endian bytes in ONNX raw_data layout (the buffer is not copied). */
    public static Tensor ofRaw(String name, DataType type, long[] shape, ByteBuffer raw) {
        if (type == DataType.STRING) {
            throw new IllegalArgumentException("string tensors have no raw form; use ofStrings");
        }
        return new Tensor(name, type, shape, raw.slice().order(ByteOrder.LITTLE_ENDIAN), null);
    }

    public static Tensor ofStrings(String name, long[] shape, List<byte[]> values) {
        return new Tensor(name, DataType.STRING, shape, null, List.copyOf(values));
    }

    public static Tensor ofFloats(String name, long[] shape, float... values) {
        return encodeFloats(name, DataType.FLOAT, shape, values);
    }

    public static Tensor ofLongs(String name, long[] shape, long... values) {
        return encodeLongs(name, DataType.INT64, shape, values);
    }

    public static Tensor ofInts(String name, long[] shape, int... values) {
        long[] wide = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            wide[i] = values[i];
        }
        return encodeLongs(name, DataType.INT32, shape, wide);
    }

    /** A scalar int64, the usual form of shape constants. */
    public static Tensor scalar(String name, long value) {
        return ofLongs(name, new long[0], value);
    }

    /**
     * Encodes float values into any floating-point element type (float16, bfloat16, float8, float4
     * and double included), rounding to nearest even and saturating the 8- and 4-bit formats.
     */
    public static Tensor encodeFloats(String name, DataType type, long[] shape, float[] values) {
        checkCount(name, shape, values.length);
        if (!type.isFloatingPoint()) {
            throw new IllegalArgumentException(type.displayName() + " is not a floating-point type");
        }
        ByteBuffer buf = allocate(type, values.length);
        switch (type) {
            case FLOAT -> buf.asFloatBuffer().put(values);
            case DOUBLE -> {
                for (float v : values) {
                    buf.putDouble(v);
                }
            }
            case FLOAT16 -> {
                for (float v : values) {
                    buf.putShort(Float16.floatToHalf(v));
                }
            }
            case BFLOAT16 -> {
                for (float v : values) {
                    buf.putShort(Float16.floatToBfloat16(v));
                }
            }
            case FLOAT4E2M1 -> packNibbles(buf, values.length, i -> MiniFloat.E2M1.encode(values[i]));
            default -> {
                MiniFloat format = MiniFloat.of(type);
                for (float v : values) {
                    buf.put((byte) format.encode(v));
                }
            }
        }
        return new Tensor(name, type, shape, buf.rewind(), null);
    }

    /** Encodes integer values into any integer element type (and bool), checking the range. */
    public static Tensor encodeLongs(String name, DataType type, long[] shape, long[] values) {
        checkCount(name, shape, values.length);
        if (!type.isInteger() && type != DataType.BOOL) {
            throw new IllegalArgumentException(type.displayName() + " is not an integer type");
        }
        ByteBuffer buf = allocate(type, values.length);
        for (long v : values) {
            checkRange(name, type, v);
        }
        switch (type.bits()) {
            case 4 -> packNibbles(buf, values.length, i -> (int) values[i]);
            case 8 -> {
                for (long v : values) {
                    buf.put((byte) v);
                }
            }
            case 16 -> {
                for (long v : values) {
                    buf.putShort((short) v);
                }
            }
            case 32 -> {
                for (long v : values) {
                    buf.putInt((int) v);
                }
            }
            default -> buf.asLongBuffer().put(values);
        }
        return new Tensor(name, type, shape, buf.rewind(), null);
    }

    public String name() {
        return name;
    }

    public DataType type() {
        return type;
    }

    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public long dim(int axis) {
        return shape[axis < 0 ? shape.length + axis : axis];
    }

    public long numElements() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Bytes the values take in raw_data form (0 for strings). */
    public long byteSize() {
        return raw == null ? 0 : raw.remaining();
    }

    /** A read-only little-endian view of the raw bytes, positioned at 0. */
    public ByteBuffer rawData() {
        if (raw == null) {
            throw new IllegalStateException("string tensor " + name + " has no raw data");
        }
        return raw.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    public List<byte[]> strings() {
        if (strings == null) {
            throw new IllegalStateException("tensor " + name + " is not a string tensor");
        }
        return strings;
    }

    public Tensor withName(String newName) {
        return new Tensor(newName, type, shape, raw, strings);
    }

    /** The same values under a new shape with the same element count. */
    public Tensor reshaped(long... newShape) {
        Tensor t = new Tensor(name, type, newShape, raw, strings);
        if (t.numElements() != numElements()) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(shape) + " to " + Arrays.toString(newShape));
        }
        return t;
    }

    /** All values as float32, decoding any numeric type. */
    public float[] toFloats() {
        int n = Math.toIntExact(numElements());
        float[] out = new float[n];
        ByteBuffer b = rawData();
        switch (type) {
            case FLOAT -> b.asFloatBuffer().get(out);
            case DOUBLE -> {
                for (int i = 0; i < n; i++) {
                    out[i] = (float) b.getDouble();
                }
            }
            case FLOAT16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Float16.halfToFloat(b.getShort());
                }
            }
            case BFLOAT16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Float16.bfloat16ToFloat(b.getShort());
                }
            }
            case FLOAT8E4M3FN, FLOAT8E4M3FNUZ, FLOAT8E5M2, FLOAT8E5M2FNUZ -> {
                MiniFloat format = MiniFloat.of(type);
                for (int i = 0; i < n; i++) {
                    out[i] = format.decode(b.get());
                }
            }
            case FLOAT4E2M1 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = MiniFloat.E2M1.decode(nibble(b, i));
                }
            }
            default -> {
                long[] longs = toLongs();
                for (int i = 0; i < n; i++) {
                    out[i] = longs[i];
                }
            }
        }
        return out;
    }

    /** All values as int64, for the integer types and bool (uint64 above 2^63 wraps). */
    public long[] toLongs() {
        if (!type.isInteger() && type != DataType.BOOL) {
            throw new IllegalStateException("tensor " + name + " is " + type.displayName() + ", not an integer type");
        }
        int n = Math.toIntExact(numElements());
        long[] out = new long[n];
        ByteBuffer b = rawData();
        for (int i = 0; i < n; i++) {
            out[i] = switch (type) {
                case INT8 -> b.get();
                case UINT8, BOOL -> b.get() & 0xffL;
                case INT16 -> b.getShort();
                case UINT16 -> b.getShort() & 0xffffL;
                case INT32 -> b.getInt();
                case UINT32 -> b.getInt() & 0xffffffffL;
                case INT4 -> (nibble(b, i) << 28) >> 28;
                case UINT4 -> nibble(b, i);
                default -> b.getLong();
            };
        }
        return out;
    }

    @Override
    public String toString() {
        return name + ": " + type.displayName() + Arrays.toString(shape);
    }

    private static int nibble(ByteBuffer b, int index) {
        int packed = b.get(index / 2) & 0xff;
        return (index % 2 == 0) ? packed & 0x0f : packed >>> 4;
    }

    private interface IntAt {
        int at(int index);
    }

    private static void packNibbles(ByteBuffer buf, int count, IntAt value) {
        for (int i = 0; i < count; i += 2) {
            int low = value.at(i) & 0x0f;
            int high = i + 1 < count ? value.at(i + 1) & 0x0f : 0;
            buf.put((byte) (low | (high << 4)));
        }
    }

    private static ByteBuffer allocate(DataType type, int count) {
        return ByteBuffer.allocate(Math.toIntExact(type.storageBytes(count))).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static void checkCount(String name, long[] shape, int count) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (n != count) {
            throw new IllegalArgumentException("tensor " + name + " of shape " + Arrays.toString(shape)
                    + " needs " + n + " values, got " + count);
        }
    }

    private static void checkRange(String name, DataType type, long v) {
        long min;
        long max;
        switch (type) {
            case INT4 -> { min = -8; max = 7; }
            case UINT4 -> { min = 0; max = 15; }
            case INT8 -> { min = Byte.MIN_VALUE; max = Byte.MAX_VALUE; }
            case UINT8 -> { min = 0; max = 255; }
            case BOOL -> { min = 0; max = 1; }
            case INT16 -> { min = Short.MIN_VALUE; max = Short.MAX_VALUE; }
            case UINT16 -> { min = 0; max = 65535; }
            case INT32 -> { min = Integer.MIN_VALUE; max = Integer.MAX_VALUE; }
            case UINT32 -> { min = 0; max = 0xffffffffL; }
            default -> { return; }
        }
        if (v < min || v > max) {
            throw new IllegalArgumentException("value " + v + " does not fit " + type.displayName() + " in tensor " + name);
        }
    }
}
