package dev.nncj.sparsity;

import dev.nncj.onnx.DataType;
import dev.nncj.onnx.Tensor;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/**
 * Deep Compression's third stage (Han et al. 2016, section 4) for a uint8 tensor of cluster indices
 * ({@link dev.nncj.cluster.CodebookWeight}, where 0 is a pruned weight): where the non-zeros are,
 * then their values, each part {@link CanonicalHuffman}-coded.
 *
 * <pre>
 * positions u8        0: bitmask, ceil(n / 8) bytes (bit i % 8 of byte i / 8, least significant first)
 *                     1: gaps, a Huffman stream of the zero-run length before each non-zero, bounded by
 *                        {@link #FILLER}: a run of 255 or more zeros is written as filler symbols 255
 *                        (each "255 zeros, no non-zero yet") then the rest, as the paper's relative
 *                        indices with filler zeros do; the symbol count (u32) precedes the stream
 *                     2: none, every element is non-zero (an unpruned clustered tensor pays nothing for positions)
 * nonzeros u32        (written right after the form byte)
 * values              a Huffman stream of the non-zero elements
 * </pre>
 * The encoder writes whichever position form is smaller. Decoding yields the tensor's bytes exactly.
 */
public final class HuffmanCodec {
    static final int FILLER = 255;
    private static final int BITMASK = 0;
    private static final int GAPS = 1;
    private static final int NO_ZEROS = 2;

    private HuffmanCodec() {}

    /**
     * Whether the codec takes {@code tensor}'s type: bytes, uint8 (cluster indices) or int8 (an int8 model's
     * weights, whose zero is the byte 0 as well); decoding gives the bytes back, the type stays the tensor's.
     */
    public static boolean accepts(Tensor tensor) {
        return tensor.type() == DataType.UINT8 || tensor.type() == DataType.INT8;
    }

    public static byte[] encode(Tensor tensor) {
        if (!accepts(tensor)) {
            throw new IllegalArgumentException("Huffman coding takes uint8 and int8 tensors, " + tensor.name() + " is "
                    + tensor.type().displayName());
        }
        int n = Math.toIntExact(tensor.numElements());
        ByteBuffer raw = tensor.rawData();
        byte[] bytes = new byte[n];
        raw.get(raw.position(), bytes, 0, n);
        int[] values = new int[n];
        int nnz = 0;
        int[] gaps = new int[n + n / FILLER + 1];
        int gapCount = 0;
        int run = 0;
        for (int i = 0; i < n; i++) {
            int v = bytes[i] & 0xff;
            if (v == 0) {
                run++;
                continue;
            }
            while (run >= FILLER) {
                gaps[gapCount++] = FILLER;
                run -= FILLER;
            }
            gaps[gapCount++] = run;
            run = 0;
            values[nnz++] = v;
        }
        ByteArrayOutputStream gapStream = new ByteArrayOutputStream();
        CanonicalHuffman.encode(gaps, gapCount, gapStream);
        int maskBytes = (n + 7) / 8;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (nnz == n) {
            out.write(NO_ZEROS);
            CanonicalHuffman.writeInt(out, nnz);
        } else if (4 + gapStream.size() < maskBytes) {
            out.write(GAPS);
            CanonicalHuffman.writeInt(out, nnz);
            CanonicalHuffman.writeInt(out, gapCount);
            out.writeBytes(gapStream.toByteArray());
        } else {
            out.write(BITMASK);
            CanonicalHuffman.writeInt(out, nnz);
            byte[] mask = new byte[maskBytes];
            for (int i = 0; i < n; i++) {
                if (bytes[i] != 0) {
                    mask[i >>> 3] |= (byte) (1 << (i & 7));
                }
            }
            out.write(mask, 0, maskBytes);
        }
        CanonicalHuffman.encode(values, nnz, out);
        return out.toByteArray();
    }

    /**
     * The {@code elements} bytes the payload codes. Every count in the payload is checked against
     * the bytes that can hold it before anything is allocated, and the streams are decoded straight
     * into the tensor: nothing beyond its {@code elements} bytes is allocated.
     *
     * @throws IllegalArgumentException when the payload is malformed
     */
    public static byte[] decode(byte[] payload, long elements) {
        if (elements < 0 || elements > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a uint8 tensor of " + elements + " elements does not fit in one array");
        }
        int n = (int) elements;
        if (payload.length < 5) {
            throw new IllegalArgumentException("Huffman payload of " + payload.length + " bytes is shorter than its header");
        }
        int form = payload[0] & 0xff;
        int nnz = CanonicalHuffman.readInt(payload, 1);
        if (nnz < 0 || nnz > n) {
            throw new IllegalArgumentException("Huffman payload claims " + nnz + " non-zeros in " + n + " elements");
        }
        Positions positions = switch (form) {
            case BITMASK -> maskPositions(payload, n, nnz);
            case GAPS -> gapPositions(payload, n, nnz);
            case NO_ZEROS -> {
                if (nnz != n) {
                    throw new IllegalArgumentException("payload says no zeros but " + nnz + " non-zeros of " + n);
                }
                yield new Positions(5) {
                    private int next;

                    @Override
                    int next() {
                        return next++;
                    }
                };
            }
            default -> throw new IllegalArgumentException("unknown position form " + form);
        };
        CanonicalHuffman.Reader values = CanonicalHuffman.Reader.open(payload, positions.end);
        values.requireRoomFor(nnz);
        if (values.end() != payload.length) {
            throw new IllegalArgumentException("Huffman payload has " + (payload.length - values.end()) + " bytes after its values");
        }
        byte[] dense = new byte[n];
        for (int k = 0; k < nnz; k++) {
            int at = positions.next();
            int v = values.next();
            if (v == 0) {
                throw new IllegalArgumentException("a non-zero element decodes to 0");
            }
            dense[at] = (byte) v;
        }
        positions.finish();
        return dense;
    }

    /** Where the non-zeros are, one at a time in increasing order. */
    private abstract static class Positions {
        /** Where the values' stream starts. */
        final int end;

        Positions(int end) {
            this.end = end;
        }

        abstract int next();

        /** Refuses positions left over once every non-zero has one. */
        void finish() {}
    }

    /** The bitmask form: its bit count must match the header before anything is decoded. */
    private static Positions maskPositions(byte[] payload, int n, int nnz) {
        int maskBytes = (int) ((n + 7L) / 8);
        if (payload.length - 5 < maskBytes) {
            throw new IllegalArgumentException("Huffman payload is shorter than its bitmask");
        }
        long set = 0;
        for (int b = 0; b < maskBytes; b++) {
            set += Integer.bitCount(payload[5 + b] & 0xff);
        }
        if (set != nnz) {
            throw new IllegalArgumentException("bitmask has " + set + " non-zeros, the header says " + nnz);
        }
        return new Positions(5 + maskBytes) {
            private int i;

            @Override
            int next() {
                while ((payload[5 + (i >>> 3)] & (1 << (i & 7))) == 0) {
                    i++;
                }
                return i++;
            }
        };
    }

    /** The gaps form: the gap symbols replayed into the positions of the non-zeros. */
    private static Positions gapPositions(byte[] payload, int n, int nnz) {
        if (payload.length < 5 + 4) {
            throw new IllegalArgumentException("Huffman payload is cut short");
        }
        int count = CanonicalHuffman.readInt(payload, 5);
        if (count < nnz || count > nnz + (long) n / FILLER + 1) {
            throw new IllegalArgumentException("gap stream claims " + count + " symbols for " + nnz + " non-zeros");
        }
        CanonicalHuffman.Reader gaps = CanonicalHuffman.Reader.open(payload, 9);
        gaps.requireRoomFor(count);
        return new Positions(gaps.end()) {
            private int read;
            private int found;
            private long position;

            @Override
            int next() {
                while (read < count) {
                    int s = gaps.next();
                    read++;
                    position += s;
                    if (s != FILLER) {
                        if (position >= n) {
                            throw new IllegalArgumentException("gaps run past the tensor's " + n + " elements");
                        }
                        found++;
                        return (int) position++;
                    }
                }
                throw new IllegalArgumentException("gaps give " + found + " non-zeros, the header says " + nnz);
            }

            @Override
            void finish() {
                while (read < count) {
                    read++;
                    if (gaps.next() != FILLER) {
                        throw new IllegalArgumentException("gaps give more than the header's " + nnz + " non-zeros");
                    }
                }
            }
        };
    }
}
