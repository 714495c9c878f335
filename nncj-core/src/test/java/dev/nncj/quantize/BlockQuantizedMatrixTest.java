package dev.nncj.quantize;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The block arithmetic against values worked out by hand (blocks of 4 keep the sums short). */
class BlockQuantizedMatrixTest {
    @Test
    void symmetric4BitPutsTheLargestMagnitudeOnMinus8() {
        // block 1: extreme -2 -> scale -2/-8 = 0.25; q = rint(w/0.25) + 8 = 12, 0, 10, 8 (exact)
        // block 2: extreme 3 -> scale 3/-8 = -0.375; w/s = -8, 2.67, -0.53, -0.27 -> q = 0, 11, 7, 8
        float[] w = {1.0f, -2.0f, 0.5f, 0.0f, 3.0f, -1.0f, 0.2f, 0.1f};
        BlockQuantizedMatrix q = BlockQuantizedMatrix.quantize(w, 1, 8, 4, 4, true, false);
        assertThat(q.scales()).containsExactly(0.25f, -0.375f);
        assertThat(q.zeroPoints()).containsExactly(8, 8);
        assertThat(q.codes()).containsExactly(12, 0, 10, 8, 0, 11, 7, 8);
        assertThat(q.dequantize()).containsExactly(1.0f, -2.0f, 0.5f, 0.0f, 3.0f, -1.125f, 0.375f, -0.0f);
        // packed low nibble first: (0 << 4) | 12, (8 << 4) | 10, (11 << 4) | 0, (8 << 4) | 7
        assertThat(bytes(q.packedCodes(true))).containsExactly(0x0C, 0x8A, 0xB0, 0x87);
    }

    @Test
    void asymmetric4BitRoundsHalfToEven() {
        // min -1.25, max 2.5 -> scale 3.75/15 = 0.25, zp = rint(1.25/0.25) = 5
        // 0.125/0.25 = 0.5 -> 0 (even), 0.375/0.25 = 1.5 -> 2 (even): q = 0, 5, 15, 7
        float[] w = {-1.25f, 0.125f, 2.5f, 0.375f};
        BlockQuantizedMatrix q = BlockQuantizedMatrix.quantize(w, 1, 4, 4, 4, false, false);
        assertThat(q.scales()).containsExactly(0.25f);
        assertThat(q.zeroPoints()).containsExactly(5);
        assertThat(q.codes()).containsExactly(0, 5, 15, 7);
        assertThat(bytes(q.packedZeroPoints())).containsExactly(0x05);
    }

    @Test
    void symmetric8BitUsesMinus128AndZeroPoint128() {
        // extreme 1 -> scale 1/-128; q = rint(w * -128) + 128 = 0, 192, 96, 128
        float[] w = {1.0f, -0.5f, 0.25f, 0.0f};
        BlockQuantizedMatrix q = BlockQuantizedMatrix.quantize(w, 1, 4, 8, 4, true, false);
        assertThat(q.scales()).containsExactly(-0.0078125f);
        assertThat(q.codes()).containsExactly(0, 192, 96, 128);
        assertThat(bytes(q.packedCodes(true))).containsExactly(0, 192, 96, 128);
    }

    @Test
    void aShortLastBlockIsPaddedWithItsZeroPointOnlyWhenAsked() {
        // 6 columns, blocks of 4: the second block holds 2 values; B pads it to 4 codes of zp 8
        float[] w = {1, 1, 1, 1, -8, 4};
        BlockQuantizedMatrix q = BlockQuantizedMatrix.quantize(w, 1, 6, 4, 4, true, false);
        assertThat(q.blocksPerRow()).isEqualTo(2);
        // block 1: scale 1/-8, every 1 -> -8 + 8 = 0; block 2: extreme -8 -> scale 1, q = 0, 12
        assertThat(q.codes()).containsExactly(0, 0, 0, 0, 0, 12);
        assertThat(bytes(q.packedCodes(true))).containsExactly(0x00, 0x00, 0xC0, 0x88);
        assertThat(bytes(q.packedCodes(false))).containsExactly(0x00, 0x00, 0xC0);
    }

    @Test
    void clipSearchNeverIncreasesTheSquaredError() {
        float[] w = TinyEncoders.weights(3, 64 * 64, 1f);
        w[5] = 9f; // an outlier: clipping it gives the rest of its block a finer step
        BlockQuantizedMatrix plain = BlockQuantizedMatrix.quantize(w, 64, 64, 4, 32, true, false);
        BlockQuantizedMatrix searched = BlockQuantizedMatrix.quantize(w, 64, 64, 4, 32, true, true);
        assertThat(sse(w, searched.dequantize())).isLessThan(sse(w, plain.dequantize()));
        assertThat(Math.abs(searched.scales()[0])).isLessThan(Math.abs(plain.scales()[0]));
    }

    static double sse(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (a[i] - b[i]) * (double) (a[i] - b[i]);
        }
        return s;
    }

    static int[] bytes(ByteBuffer buf) {
        int[] out = new int[buf.remaining()];
        for (int i = 0; i < out.length; i++) {
            out[i] = buf.get(buf.position() + i) & 0xFF;
        }
        return out;
    }
}
