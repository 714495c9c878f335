package dev.nncj.sparsity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nncj.onnx.DataType;
import dev.nncj.onnx.Tensor;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HuffmanCodecTest {
    private static int[] roundTrip(int[] symbols) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CanonicalHuffman.encode(symbols, symbols.length, out);
        byte[] bytes = out.toByteArray();
        long[] frequency = new long[256];
        for (int s : symbols) {
            frequency[s]++;
        }
        assertThat(CanonicalHuffman.encodedSize(frequency)).isEqualTo(bytes.length);
        int[] at = {0};
        int[] back = CanonicalHuffman.decode(bytes, at, symbols.length);
        assertThat(at[0]).isEqualTo(bytes.length);
        return back;
    }

    @Test
    void emptyStreamRoundTrips() {
        assertThat(roundTrip(new int[0])).isEmpty();
    }

    @Test
    void oneSymbolStreamRoundTripsAtOneBitEach() {
        int[] s = new int[20];
        Arrays.fill(s, 7);
        assertThat(roundTrip(s)).containsExactly(s);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CanonicalHuffman.encode(s, s.length, out);
        assertThat(out.size()).isEqualTo(2 + 8 + 4 + 3); // table up to symbol 7, 20 bits in 3 bytes
    }

    @Test
    void skewedStreamRoundTripsAndGetsShortCodesForFrequentSymbols() {
        Random r = new Random(1);
        int[] s = new int[5000];
        for (int i = 0; i < s.length; i++) {
            s[i] = Math.min(255, (int) Math.abs(r.nextGaussian() * 3)); // mostly 0..5
        }
        assertThat(roundTrip(s)).containsExactly(s);
        int[] lengths = CanonicalHuffman.lengths(frequencies(s));
        assertThat(lengths[0]).isLessThan(lengths[6]);
    }

    @Test
    void lengthsAreCappedForFibonacciCounts() {
        // Fibonacci counts make the deepest possible tree: 40 symbols would need 39-bit codes uncapped
        long[] f = new long[256];
        long a = 1;
        long b = 1;
        for (int i = 0; i < 40; i++) {
            f[i] = a;
            long c = a + b;
            a = b;
            b = c;
        }
        int[] lengths = CanonicalHuffman.lengths(f);
        assertThat(Arrays.stream(lengths).max().orElseThrow()).isLessThanOrEqualTo(CanonicalHuffman.MAX_LENGTH);
        // Kraft: a complete prefix code
        double kraft = Arrays.stream(lengths).filter(l -> l > 0).mapToDouble(l -> Math.pow(2, -l)).sum();
        assertThat(kraft).isLessThanOrEqualTo(1.0);
        int[] symbols = {0, 39, 20, 1, 39};
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CanonicalHuffman.encode(symbols, symbols.length, out);
        assertThat(CanonicalHuffman.decode(out.toByteArray(), new int[] {0}, symbols.length)).containsExactly(symbols);
    }

    private static long[] frequencies(int[] s) {
        long[] f = new long[256];
        for (int v : s) {
            f[v]++;
        }
        return f;
    }

    private static Tensor uint8(byte[] values) {
        return Tensor.ofRaw("idx", DataType.UINT8, new long[] {values.length}, ByteBuffer.wrap(values));
    }

    private static byte[] sparseIndices(int n, double density, long seed) {
        Random r = new Random(seed);
        byte[] v = new byte[n];
        for (int i = 0; i < n; i++) {
            if (r.nextDouble() < density) {
                v[i] = (byte) (1 + Math.min(30, (int) Math.abs(r.nextGaussian() * 6)));
            }
        }
        return v;
    }

    @Test
    void sparseIndicesRoundTripWithGapsWhenSparseAndABitmaskWhenDense() {
        byte[] sparse = sparseIndices(20_000, 0.05, 2);
        sparse[19_999] = 3; // a non-zero after a long run is fine either way
        byte[] payload = HuffmanCodec.encode(uint8(sparse));
        assertThat(payload[0]).isEqualTo((byte) 1); // gaps: 5% density costs ~5.5 bits per non-zero, the bitmask 20
        assertThat(HuffmanCodec.decode(payload, sparse.length)).containsExactly(sparse);

        byte[] dense = sparseIndices(20_000, 0.6, 3);
        byte[] densePayload = HuffmanCodec.encode(uint8(dense));
        assertThat(densePayload[0]).isEqualTo((byte) 0);
        assertThat(HuffmanCodec.decode(densePayload, dense.length)).containsExactly(dense);
    }

    @Test
    void aTensorWithoutZerosPaysNothingForPositions() {
        byte[] v = new byte[4096];
        java.util.Arrays.fill(v, (byte) 5);
        v[7] = 6;
        byte[] payload = HuffmanCodec.encode(uint8(v));
        assertThat(payload[0]).isEqualTo((byte) 2);
        assertThat(payload.length).isEqualTo(5 + 2 + 7 + 4 + 4096 / 8); // header, table to symbol 6, 1 bit per element
        assertThat(HuffmanCodec.decode(payload, v.length)).containsExactly(v);
    }

    @Test
    void runsLongerThanTheFillerBoundRoundTrip() {
        byte[] v = new byte[3000];
        v[0] = 1;
        v[254] = 2;
        v[255 + 254] = 3;
        v[2999] = 4; // a gap of ~2,500: ten fillers
        byte[] payload = HuffmanCodec.encode(uint8(v));
        assertThat(HuffmanCodec.decode(payload, v.length)).containsExactly(v);
    }

    @Test
    void allZeroAndEmptyTensorsRoundTrip() {
        byte[] zeros = new byte[100];
        assertThat(HuffmanCodec.decode(HuffmanCodec.encode(uint8(zeros)), 100)).containsExactly(zeros);
        assertThat(HuffmanCodec.decode(HuffmanCodec.encode(uint8(new byte[0])), 0)).isEmpty();
    }

    @Test
    void int8WeightsRoundTripByteForByte() {
        byte[] v = sparseIndices(3000, 0.3, 9);
        for (int i = 0; i < v.length; i += 7) {
            v[i] = (byte) -v[i]; // negative codes: the bytes above 127
        }
        Tensor int8 = Tensor.ofRaw("w", DataType.INT8, new long[] {v.length}, ByteBuffer.wrap(v));
        assertThat(HuffmanCodec.accepts(int8)).isTrue();
        byte[] payload = HuffmanCodec.encode(int8);
        assertThat(payload.length).isLessThan(v.length);
        assertThat(HuffmanCodec.decode(payload, v.length)).containsExactly(v);
    }

    @Test
    void aCorruptPayloadIsRefusedWithAReason() {
        byte[] payload = HuffmanCodec.encode(uint8(sparseIndices(5000, 0.1, 4)));
        byte[] cut = Arrays.copyOf(payload, payload.length - 10);
        assertThatThrownBy(() -> HuffmanCodec.decode(cut, 5000)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cut short");
        assertThatThrownBy(() -> HuffmanCodec.encode(Tensor.ofFloats("w", new long[] {2}, 1f, 2f)))
                .hasMessageContaining("uint8");
    }
}
