package dev.nncj.cli.fuzz;

import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * The {@code .nncj} format as the fuzz cases need it, written independently of NncjContainer so a
 * case can set any field to anything: a writer, a parser into named byte ranges, and a zlib stream
 * that inflates to gigabytes from a file of a few megabytes.
 * <pre>
 * "NNCJPACK" | version u16 | flags u16 | skeleton u64 length, zlib bytes | count u32 |
 * count x (codec u8 | elements u64 | payload u64 length, bytes | crc32 u32) | "NNCJEND!"
 * </pre>
 */
final class ContainerBytes {
    static final byte[] MAGIC = "NNCJPACK".getBytes(StandardCharsets.US_ASCII);
    static final byte[] TRAILER = "NNCJEND!".getBytes(StandardCharsets.US_ASCII);
    static final int CODEC_RAW = 0;
    static final int CODEC_BITMASK = 1;
    static final int CODEC_HUFFMAN = 2;

    private ContainerBytes() {}

    record Packed(int codec, long elements, byte[] payload) {}

    /** A named byte range of a container: "flags", "skeleton", "tensor 1 payload", ... */
    record Field(String name, int offset, int length) {
        boolean contains(int at) {
            return at >= offset && at < offset + length;
        }
    }

    static byte[] write(int version, byte[] zlibSkeleton, List<Packed> tensors) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(MAGIC);
            out.writeShort(version);
            out.writeShort(0);
            out.writeLong(zlibSkeleton.length);
            out.write(zlibSkeleton);
            out.writeInt(tensors.size());
            for (Packed t : tensors) {
                out.writeByte(t.codec());
                out.writeLong(t.elements());
                out.writeLong(t.payload().length);
                out.write(t.payload());
                CRC32 crc = new CRC32();
                crc.update(t.payload());
                out.writeInt((int) crc.getValue());
            }
            out.write(TRAILER);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The fields of a well-formed container, in file order. */
    static List<Field> layout(byte[] file) {
        List<Field> fields = new ArrayList<>();
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(file))) {
            int at = 0;
            fields.add(new Field("magic", at, 8));
            fields.add(new Field("version", at += 8, 2));
            fields.add(new Field("flags", at += 2, 2));
            fields.add(new Field("skeleton length", at += 2, 8));
            in.skipNBytes(12);
            int skeleton = (int) in.readLong();
            fields.add(new Field("skeleton", at += 8, skeleton));
            in.skipNBytes(skeleton);
            fields.add(new Field("count", at += skeleton, 4));
            int count = in.readInt();
            at += 4;
            for (int i = 1; i <= count; i++) {
                fields.add(new Field("tensor " + i + " codec", at, 1));
                fields.add(new Field("tensor " + i + " elements", at += 1, 8));
                fields.add(new Field("tensor " + i + " length", at += 8, 8));
                in.skipNBytes(9);
                int payload = (int) in.readLong();
                fields.add(new Field("tensor " + i + " payload", at += 8, payload));
                fields.add(new Field("tensor " + i + " crc", at += payload, 4));
                at += 4;
                in.skipNBytes(payload + 4L);
            }
            fields.add(new Field("trailer", at, 8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return fields;
    }

    static Field field(List<Field> layout, String name) {
        return layout.stream().filter(f -> f.name().equals(name)).findFirst().orElseThrow();
    }

    static Field fieldAt(List<Field> layout, int at) {
        return layout.stream().filter(f -> f.contains(at)).findFirst().orElseThrow();
    }

    /** {@code file} with the bytes of {@code field} replaced by {@code value} (big-endian, the field's width). */
    static byte[] withNumber(byte[] file, Field field, long value) {
        byte[] copy = file.clone();
        ByteBuffer b = ByteBuffer.wrap(copy);
        switch (field.length()) {
            case 1 -> b.put(field.offset(), (byte) value);
            case 2 -> b.putShort(field.offset(), (short) value);
            case 4 -> b.putInt(field.offset(), (int) value);
            default -> b.putLong(field.offset(), value);
        }
        return copy;
    }

    static long number(byte[] file, Field field) {
        ByteBuffer b = ByteBuffer.wrap(file);
        return switch (field.length()) {
            case 1 -> b.get(field.offset()) & 0xff;
            case 2 -> b.getShort(field.offset()) & 0xffff;
            case 4 -> b.getInt(field.offset());
            default -> b.getLong(field.offset());
        };
    }

    /** The container's skeleton inflated, or null when it does not inflate to at most {@code limit} bytes. */
    static byte[] inflatedSkeleton(byte[] file, List<Field> layout, int limit) {
        Field f = field(layout, "skeleton");
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(Arrays.copyOfRange(file, f.offset(), f.offset() + f.length()));
            byte[] out = new byte[limit + 1];
            int n = 0;
            while (!inflater.finished() && n <= limit) {
                int got = inflater.inflate(out, n, out.length - n);
                if (got == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    return null;
                }
                n += got;
            }
            return inflater.finished() && inflater.getRemaining() == 0 && n <= limit ? Arrays.copyOf(out, n) : null;
        } catch (DataFormatException e) {
            return null;
        } finally {
            inflater.end();
        }
    }

    static byte[] zlib(byte[] data) {
        Deflater d = new Deflater(Deflater.BEST_COMPRESSION);
        try {
            d.setInput(data);
            d.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[1 << 16];
            while (!d.finished()) {
                out.write(buf, 0, d.deflate(buf));
            }
            return out.toByteArray();
        } finally {
            d.end();
        }
    }

    private static byte[] zeroChunk;

    /**
     * A zlib stream of {@code prefix}, {@code zeros} zero bytes, then {@code suffix}, built in
     * milliseconds: one megabyte of zeros deflated once and ended by a full flush (byte-aligned, no
     * reference to earlier data) is repeated, and the Adler-32 of the zero run is computed, not
     * summed byte by byte. About 1 KB of file per MB inflated.
     */
    static byte[] zlibBomb(byte[] prefix, long zeros, byte[] suffix) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x78);
        out.write(0xDA);
        out.writeBytes(rawDeflate(prefix, false));
        byte[] chunk = zeroChunk();
        long whole = zeros >>> 20;
        for (long i = 0; i < whole; i++) {
            out.writeBytes(chunk);
        }
        out.writeBytes(rawDeflate(new byte[(int) (zeros & ((1 << 20) - 1))], false));
        out.writeBytes(rawDeflate(suffix, true));
        long a = 1;
        long b = 0;
        for (byte x : prefix) {
            a = (a + (x & 0xff)) % 65521;
            b = (b + a) % 65521;
        }
        b = (b + (zeros % 65521) * a) % 65521; // a zero byte leaves a and adds a to b
        for (byte x : suffix) {
            a = (a + (x & 0xff)) % 65521;
            b = (b + a) % 65521;
        }
        long adler = (b << 16) | a;
        out.write((int) (adler >>> 24));
        out.write((int) (adler >>> 16) & 0xff);
        out.write((int) (adler >>> 8) & 0xff);
        out.write((int) adler & 0xff);
        return out.toByteArray();
    }

    private static synchronized byte[] zeroChunk() {
        if (zeroChunk == null) {
            zeroChunk = rawDeflate(new byte[1 << 20], false);
        }
        return zeroChunk;
    }

    /** Raw deflate blocks of {@code data}: the last one final, or else ended by a full flush. */
    private static byte[] rawDeflate(byte[] data, boolean last) {
        Deflater d = new Deflater(Deflater.BEST_COMPRESSION, true);
        try {
            d.setInput(data);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[1 << 16];
            if (last) {
                d.finish();
                while (!d.finished()) {
                    out.write(buf, 0, d.deflate(buf));
                }
            } else {
                int n;
                do {
                    n = d.deflate(buf, 0, buf.length, Deflater.FULL_FLUSH);
                    out.write(buf, 0, n);
                } while (n == buf.length || !d.needsInput());
            }
            return out.toByteArray();
        } finally {
            d.end();
        }
    }

    /** A packed-tensor placeholder as NncjContainer writes it. */
    static TensorProto placeholder(String name, int dataType, List<Long> dims, int index) {
        return TensorProto.newBuilder().setName(name).setDataType(dataType).addAllDims(dims)
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("nncj:packed"))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("index").setValue(Integer.toString(index)))
                .build();
    }
}
