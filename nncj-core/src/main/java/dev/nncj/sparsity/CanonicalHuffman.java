package dev.nncj.sparsity;

import java.io.ByteArrayOutputStream;
import java.util.PriorityQueue;

/**
 * Canonical Huffman coding of a stream of symbols 0..255. Only the code length of each symbol is
 * stored; codes are assigned in order of (length, symbol), as DEFLATE does, so the table costs one
 * byte per symbol up to the largest one used.
 *
 * <pre>
 * symbols u16        S: code lengths follow for symbols 0..S-1 (0 = symbol unused); 0 for an empty stream
 * lengths u8 * S
 * bytes u32          length of the bit stream, codes written most significant bit first
 * bits
 * </pre>
 * A stream of one distinct symbol gets a 1-bit code. Lengths are capped at {@link #MAX_LENGTH} by
 * halving the counts until the tree fits (a rare, slightly sub-optimal fallback).
 */
public final class CanonicalHuffman {
    static final int MAX_LENGTH = 24;

    private CanonicalHuffman() {}

    /** Appends the coded {@code symbols[0..count)} to {@code out}. */
    public static void encode(int[] symbols, int count, ByteArrayOutputStream out) {
        long[] frequency = new long[256];
        int largest = -1;
        for (int i = 0; i < count; i++) {
            frequency[symbols[i]]++;
            largest = Math.max(largest, symbols[i]);
        }
        int[] lengths = lengths(frequency);
        int[] codes = codes(lengths);
        int tableSize = largest + 1;
        out.write(tableSize >>> 8);
        out.write(tableSize);
        for (int s = 0; s < tableSize; s++) {
            out.write(lengths[s]);
        }
        BitWriter bits = new BitWriter();
        for (int i = 0; i < count; i++) {
            bits.write(codes[symbols[i]], lengths[symbols[i]]);
        }
        byte[] b = bits.toByteArray();
        writeInt(out, b.length);
        out.write(b, 0, b.length);
    }

    /** Bytes {@link #encode} would write, without writing them. */
    public static long encodedSize(long[] frequency) {
        int[] lengths = lengths(frequency);
        int tableSize = 0;
        long bits = 0;
        for (int s = 0; s < 256; s++) {
            if (frequency[s] > 0) {
                tableSize = s + 1;
                bits += frequency[s] * lengths[s];
            }
        }
        return 2 + tableSize + 4 + (bits + 7) / 8;
    }

    /**
     * Decodes {@code count} symbols from {@code in} starting at {@code offset[0]}, which it advances
     * past the stream.
     *
     * @throws IllegalArgumentException when the stream is malformed or shorter than {@code count} symbols
     */
    public static int[] decode(byte[] in, int[] offset, int count) {
        Reader reader = Reader.open(in, offset[0]);
        reader.requireRoomFor(count);
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            out[i] = reader.next();
        }
        offset[0] = reader.end();
        return out;
    }

    /**
     * One coded stream read a symbol at a time, so a decoder needs no array of symbols: a payload
     * cannot make it allocate more than the tensor it decodes to. Opening reads the table and the
     * stream's length (where the next part of a payload starts) without decoding anything.
     * Canonical decoding as zlib's puff.c: per length, the first code and where its symbols start.
     */
    static final class Reader {
        private final byte[] in;
        private final int start;
        private final int end;
        private final int[] countOfLength = new int[MAX_LENGTH + 1];
        private final int[] sorted;
        private long bit;
        private long decoded;

        private Reader(byte[] in, int start, int end, int[] lengths) {
            this.in = in;
            this.start = start;
            this.end = end;
            for (int l : lengths) {
                if (l > 0) {
                    countOfLength[l]++;
                }
            }
            int[] offsets = new int[MAX_LENGTH + 2];
            for (int l = 1; l <= MAX_LENGTH; l++) {
                offsets[l + 1] = offsets[l] + countOfLength[l];
            }
            sorted = new int[offsets[MAX_LENGTH + 1]];
            for (int s = 0; s < lengths.length; s++) {
                if (lengths[s] > 0) {
                    sorted[offsets[lengths[s]]++] = s;
                }
            }
        }

        /** @throws IllegalArgumentException when the table or the stream's length does not fit in {@code in} */
        static Reader open(byte[] in, int offset) {
            int at = offset;
            require(in, at, 2);
            int tableSize = ((in[at] & 0xff) << 8) | (in[at + 1] & 0xff);
            at += 2;
            if (tableSize > 256) {
                throw new IllegalArgumentException("Huffman table of " + tableSize + " symbols (at most 256)");
            }
            require(in, at, tableSize + 4);
            int[] lengths = new int[256];
            for (int s = 0; s < tableSize; s++) {
                lengths[s] = in[at + s] & 0xff;
                if (lengths[s] > MAX_LENGTH) {
                    throw new IllegalArgumentException("Huffman code length " + lengths[s] + " (at most " + MAX_LENGTH + ")");
                }
            }
            at += tableSize;
            int byteLength = readInt(in, at);
            at += 4;
            if (byteLength < 0) {
                throw new IllegalArgumentException("Huffman stream claims " + byteLength + " bytes");
            }
            require(in, at, byteLength);
            return new Reader(in, at, at + byteLength, lengths);
        }

        /** The offset just past the stream. */
        int end() {
            return end;
        }

        /**
         * Refuses {@code count} symbols the stream's bytes cannot hold (every code is at least one bit),
         * before anyone allocates for them.
         */
        void requireRoomFor(long count) {
            long bits = (long) (end - start) * 8;
            if (count < 0 || count > bits) {
                throw new IllegalArgumentException("Huffman stream of " + (end - start) + " bytes cannot hold " + count
                        + " symbols");
            }
        }

        /** The next symbol. @throws IllegalArgumentException when the stream ends or holds an invalid code */
        int next() {
            if (sorted.length == 0) {
                throw new IllegalArgumentException("Huffman table is empty but a symbol is expected");
            }
            long bitLimit = (long) (end - start) * 8;
            int code = 0;
            int first = 0;
            int index = 0;
            for (int l = 1; l <= MAX_LENGTH; l++) {
                if (bit >= bitLimit) {
                    throw new IllegalArgumentException("Huffman stream ends after " + decoded + " symbols");
                }
                code |= (in[start + (int) (bit >>> 3)] >>> (7 - (bit & 7))) & 1;
                bit++;
                int n = countOfLength[l];
                if (code - first < n) {
                    decoded++;
                    return sorted[index + code - first];
                }
                index += n;
                first = (first + n) << 1;
                code <<= 1;
            }
            throw new IllegalArgumentException("invalid Huffman code at symbol " + decoded);
        }
    }

    /** Code lengths of a Huffman tree over the counts, capped at MAX_LENGTH. */
    static int[] lengths(long[] frequency) {
        long[] f = frequency.clone();
        while (true) {
            int[] lengths = treeLengths(f);
            int max = 0;
            for (int l : lengths) {
                max = Math.max(max, l);
            }
            if (max <= MAX_LENGTH) {
                return lengths;
            }
            for (int s = 0; s < f.length; s++) {
                if (f[s] > 0) {
                    f[s] = (f[s] + 1) / 2; // flatter counts, shallower tree; a used symbol stays used
                }
            }
        }
    }

    private static int[] treeLengths(long[] f) {
        int[] lengths = new int[256];
        // node ids: 0..255 leaves, 256.. internal; ties broken by id so the tree is deterministic
        PriorityQueue<long[]> queue = new PriorityQueue<>((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        int[] parent = new int[512];
        int used = 0;
        for (int s = 0; s < 256; s++) {
            if (f[s] > 0) {
                queue.add(new long[] {f[s], s});
                used++;
            }
        }
        if (used == 1) {
            lengths[(int) queue.peek()[1]] = 1;
            return lengths;
        }
        int next = 256;
        while (queue.size() > 1) {
            long[] a = queue.poll();
            long[] b = queue.poll();
            parent[(int) a[1]] = next;
            parent[(int) b[1]] = next;
            queue.add(new long[] {a[0] + b[0], next});
            next++;
        }
        int root = next - 1;
        for (int s = 0; s < 256; s++) {
            if (f[s] > 0) {
                int depth = 0;
                for (int n = s; n != root; n = parent[n]) {
                    depth++;
                }
                lengths[s] = depth;
            }
        }
        return lengths;
    }

    /** Canonical codes: shorter first, then by symbol. */
    static int[] codes(int[] lengths) {
        int[] countOfLength = new int[MAX_LENGTH + 1];
        for (int l : lengths) {
            if (l > 0) {
                countOfLength[l]++;
            }
        }
        int[] nextCode = new int[MAX_LENGTH + 2];
        int code = 0;
        for (int l = 1; l <= MAX_LENGTH; l++) {
            code = (code + countOfLength[l - 1]) << 1;
            nextCode[l] = code;
        }
        int[] codes = new int[lengths.length];
        for (int s = 0; s < lengths.length; s++) {
            if (lengths[s] > 0) {
                codes[s] = nextCode[lengths[s]]++;
            }
        }
        return codes;
    }

    private static void require(byte[] in, int at, int n) {
        if (at < 0 || (long) at + n > in.length) {
            throw new IllegalArgumentException("Huffman stream is cut short");
        }
    }

    /** The big-endian u32 at {@code at}, as {@link #writeInt} wrote it. */
    static int readInt(byte[] in, int at) {
        return ((in[at] & 0xff) << 24) | ((in[at + 1] & 0xff) << 16) | ((in[at + 2] & 0xff) << 8) | (in[at + 3] & 0xff);
    }

    static void writeInt(ByteArrayOutputStream out, int v) {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
    }

    private static final class BitWriter {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private int current;
        private int filled;

        void write(int code, int length) {
            for (int i = length - 1; i >= 0; i--) {
                current = (current << 1) | ((code >>> i) & 1);
                if (++filled == 8) {
                    bytes.write(current);
                    current = 0;
                    filled = 0;
                }
            }
        }

        byte[] toByteArray() {
            if (filled > 0) {
                bytes.write(current << (8 - filled));
                current = 0;
                filled = 0;
            }
            return bytes.toByteArray();
        }
    }
}
