package dev.nncj.sparsity;

import ai.onnx.proto.OnnxMl.ModelProto;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A container taken apart into its fields, to forge hostile ones with every CRC right: what an
 * attacker would write, not a file a bit flip already refuses. {@link #toBytes} writes the format
 * of {@link NncjContainer}'s class comment, version 2.
 */
final class ContainerBytes {
    /** One packed tensor's fields. */
    static final class Packed {
        int codec;
        long elements;
        byte[] payload;

        Packed(int codec, long elements, byte[] payload) {
            this.codec = codec;
            this.elements = elements;
            this.payload = payload;
        }
    }

    ModelProto skeleton;
    /** The skeleton's stored bytes when set (a forged zlib stream), instead of deflating {@link #skeleton}. */
    byte[] storedSkeleton;
    final List<Packed> tensors = new ArrayList<>();
    /** When not null, the count field instead of the number of tensors. */
    Integer count;

    static ContainerBytes parse(byte[] file) {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(file))) {
            ContainerBytes c = new ContainerBytes();
            in.skipNBytes(NncjContainer.MAGIC.length + 4);
            byte[] stored = new byte[(int) in.readLong()];
            in.readFully(stored);
            c.skeleton = ModelProto.parseFrom(SkeletonDeflate.inflate(stored, Integer.MAX_VALUE - 8));
            int count = in.readInt();
            for (int i = 0; i < count; i++) {
                int codec = in.readUnsignedByte();
                long elements = in.readLong();
                byte[] payload = new byte[(int) in.readLong()];
                in.readFully(payload);
                in.readInt();
                c.tensors.add(new Packed(codec, elements, payload));
            }
            return c;
        } catch (IOException | SkeletonDeflate.LimitExceededException e) {
            throw new IllegalStateException(e);
        }
    }

    byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(NncjContainer.MAGIC);
            out.writeShort(NncjContainer.VERSION);
            out.writeShort(0);
            byte[] stored = storedSkeleton != null ? storedSkeleton : SkeletonDeflate.deflate(skeleton.toByteArray());
            out.writeLong(stored.length);
            out.write(stored);
            out.writeInt(count != null ? count : tensors.size());
            for (Packed p : tensors) {
                out.writeByte(p.codec);
                out.writeLong(p.elements);
                out.writeLong(p.payload.length);
                out.write(p.payload);
                out.writeInt((int) NncjContainer.crc(p.payload));
            }
            out.write(NncjContainer.TRAILER);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
