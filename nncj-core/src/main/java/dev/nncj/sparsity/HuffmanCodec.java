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

    /** Whether the codec takes {@code tensor}'s type. */
    public static boolean accepts(Tensor tensor) {
        return tensor.type() == DataType.UINT8;
    }

    public static byte[] encode(Tensor tensor) {
        if (!accepts(tensor)) {
            throw new IllegalArgumentException("Huffman coding takes uint8 tensors, " + tensor.name() + " is "
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
     * The {@code elements} bytes the payload codes.
     *
     * @throws IllegalArgumentException when the payload is malformed
     */
    public static byte[] decode(byte[] payload, long elements) {
        int n = Math.toIntExact(elements);
        if (payload.length < 5) {
            throw new IllegalArgumentException("Huffman payload of " + payload.length + " bytes is shorter than its header");
        }
        int form = payload[0] & 0xff;
        int nnz = ((payload[1] & 0xff) << 24) | ((payload[2] & 0xff) << 16) | ((payload[3] & 0xff) << 8) | (payload[4] & 0xff);
        if (nnz < 0 || nnz > n) {
            throw new IllegalArgumentException("Huffman payload claims " + nnz + " non-zeros in " + n + " elements");
        }
        int[] at = {5};
        int[] positions = new int[nnz];
        if (form == BITMASK) {
            int maskBytes = (n + 7) / 8;
            if (payload.length < 5 + maskBytes) {
                throw new IllegalArgumentException("Huffman payload is shorter than its bitmask");
            }
            int k = 0;
            for (int i = 0; i < n && k <= nnz; i++) {
                if ((payload[5 + (i >>> 3)] & (1 << (i & 7))) != 0) {
                    if (k == nnz) {
                        throw new IllegalArgumentException("bitmask has more than " + nnz + " non-zeros");
                    }
                    positions[k++] = i;
                }
            }
            if (k != nnz) {
                throw new IllegalArgumentException("bitmask has " + k + " non-zeros, the header says " + nnz);
            }
            at[0] += maskBytes;
        } else if (form == GAPS) {
            positions = gapPositions(payload, at, nnz, n);
        } else if (form == NO_ZEROS) {
            if (nnz != n) {
                throw new IllegalArgumentException("payload says no zeros but " + nnz + " non-zeros of " + n);
            }
            for (int i = 0; i < n; i++) {
                positions[i] = i;
            }
        } else {
            throw new IllegalArgumentException("unknown position form " + form);
        }
        int[] values = CanonicalHuffman.decode(payload, at, nnz);
        if (at[0] != payload.length) {
            throw new IllegalArgumentException("Huffman payload has " + (payload.length - at[0]) + " bytes after its values");
        }
        byte[] dense = new byte[n];
        for (int k = 0; k < nnz; k++) {
            if (values[k] == 0) {
                throw new IllegalArgumentException("a non-zero element decodes to 0");
            }
            dense[positions[k]] = (byte) values[k];
        }
        return dense;
    }

    /** Replays the gap symbols into the positions of the non-zeros. */
    private static int[] gapPositions(byte[] payload, int[] at, int nnz, int n) {
        if (payload.length < at[0] + 4) {
            throw new IllegalArgumentException("Huffman payload is cut short");
        }
        int p = at[0];
        int count = ((payload[p] & 0xff) << 24) | ((payload[p + 1] & 0xff) << 16) | ((payload[p + 2] & 0xff) << 8) | (payload[p + 3] & 0xff);
        if (count < nnz || count > nnz + n / FILLER + 1) {
            throw new IllegalArgumentException("gap stream claims " + count + " symbols for " + nnz + " non-zeros");
        }
        at[0] = p + 4;
        int[] symbols = CanonicalHuffman.decode(payload, at, count);
        int[] positions = new int[nnz];
        int k = 0;
        long position = 0;
        for (int s : symbols) {
            position += s;
            if (s != FILLER) {
                if (position >= n || k == nnz) {
                    throw new IllegalArgumentException("gaps run past the tensor's " + n + " elements or " + nnz + " non-zeros");
                }
                positions[k++] = (int) position;
                position++;
            }
        }
        if (k != nnz) {
            throw new IllegalArgumentException("gaps give " + k + " non-zeros, the header says " + nnz);
        }
        return positions;
    }
}
