package dev.nncj.sparsity;

import java.io.ByteArrayOutputStream;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * zlib (deflate with an Adler-32 check) for the container's skeleton: the ONNX graph, its names and
 * provenance text, biases and codebooks are a fifth of a Deep-Compressed LeNet's container and
 * compress well; the coded weights beside them do not, so only the skeleton goes through it.
 */
final class SkeletonDeflate {
    private SkeletonDeflate() {}

    static byte[] deflate(byte[] data) {
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
        try {
            deflater.setInput(data);
            deflater.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(data.length / 2 + 64);
            byte[] buffer = new byte[1 << 16];
            while (!deflater.finished()) {
                out.write(buffer, 0, deflater.deflate(buffer));
            }
            return out.toByteArray();
        } finally {
            deflater.end();
        }
    }

    /** The stream inflates to more than the caller allows; nothing was allocated for it. */
    static final class LimitExceededException extends Exception {
        private static final long serialVersionUID = 1L;
    }

    /**
     * Inflates {@code data}, which may hold at most {@code limit} bytes. A first pass only counts
     * (stopping as soon as the count passes the limit, so a deflate bomb costs a buffer and the
     * time to inflate {@code limit} bytes), the second fills an array of exactly that size: nothing
     * is allocated before the size is known to be allowed.
     *
     * @throws IllegalArgumentException when {@code data} is not one whole zlib stream
     * @throws LimitExceededException when it inflates to more than {@code limit} bytes
     */
    static byte[] inflate(byte[] data, int limit) throws LimitExceededException {
        byte[] out = new byte[Math.toIntExact(inflateInto(data, null, limit))];
        inflateInto(data, out, limit);
        return out;
    }

    /** Inflates into {@code out}, or only counts when it is null; returns the inflated size. */
    private static long inflateInto(byte[] data, byte[] out, int limit) throws LimitExceededException {
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(data);
            // counting inflates into the scratch buffer; filling, into out, then (to let the stream
            // reach its end once out is full) into a one-byte scratch that must stay empty
            byte[] scratch = new byte[out == null ? 1 << 16 : 1];
            long size = 0;
            while (!inflater.finished()) {
                int n = out != null && size < out.length
                        ? inflater.inflate(out, (int) size, out.length - (int) size)
                        : inflater.inflate(scratch);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new IllegalArgumentException("the compressed graph ends early");
                }
                size += n;
                if (size > limit || (out != null && size > out.length)) {
                    throw new LimitExceededException();
                }
            }
            if (inflater.getRemaining() != 0) {
                throw new IllegalArgumentException("bytes follow the compressed graph");
            }
            return size;
        } catch (DataFormatException e) {
            throw new IllegalArgumentException("the compressed graph does not inflate: " + e.getMessage(), e);
        } finally {
            inflater.end();
        }
    }
}
