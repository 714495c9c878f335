package dev.nncj.quantize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nncj.onnx.DataType;
import dev.nncj.onnx.Tensor;
import org.junit.jupiter.api.Test;

/** Scale, zero point and rounding against values worked out by hand (ranges chosen so scales are exact). */
class QuantParamsTest {
    @Test
    void symmetricUsesZeroPoint128And127StepsEachSide() {
        // max|x| = 31.75 = 127 * 0.25, so scale is exactly 0.25
        UInt8Params p = UInt8Params.forRange(-31.75f, 10f, true);
        assertThat(p.scale()).isEqualTo(0.25f);
        assertThat(p.zeroPoint()).isEqualTo(128);
        assertThat(p.quantize(0.125f)).isEqualTo(128);  // 0.5 rounds half to even: 0
        assertThat(p.quantize(0.375f)).isEqualTo(130);  // 1.5 -> 2
        assertThat(p.quantize(-0.375f)).isEqualTo(126); // -1.5 -> -2
        assertThat(p.quantize(-31.75f)).isEqualTo(1);
        assertThat(p.quantize(100f)).isEqualTo(255);    // saturates
        assertThat(p.dequantize(130)).isEqualTo(0.5f);
    }

    @Test
    void asymmetricStretchesTheRangeIncludingZeroOver255Steps() {
        // (31.75 - (-32)) / 255 = 0.25; zero point round(32 / 0.25) = 128
        UInt8Params p = UInt8Params.forRange(-32f, 31.75f, false);
        assertThat(p.scale()).isEqualTo(0.25f);
        assertThat(p.zeroPoint()).isEqualTo(128);
        assertThat(p.quantize(-32f)).isZero();
        assertThat(p.quantize(31.75f)).isEqualTo(255);
        // a range that excludes 0 is widened to include it, so zero padding stays exact
        UInt8Params positive = UInt8Params.forRange(1f, 63.75f, false);
        assertThat(positive.scale()).isEqualTo(0.25f);
        assertThat(positive.zeroPoint()).isZero();
        assertThat(positive.quantize(0f)).isZero();
    }

    @Test
    void anAllZeroRangeGetsScaleOneInsteadOfDividingByZero() {
        assertThat(UInt8Params.forRange(0f, 0f, true).scale()).isEqualTo(1f);
        assertThat(UInt8Params.forRange(0f, 0f, false).scale()).isEqualTo(1f);
        assertThatThrownBy(() -> UInt8Params.forRange(Float.NaN, 1f, true)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void signedInt8ClampsToPlusMinus127() {
        Int8Params p = Int8Params.forMaxAbs(31.75f);
        assertThat(p.scale()).isEqualTo(0.25f);
        assertThat(p.quantize(0.375f)).isEqualTo(2);
        assertThat(p.quantize(-40f)).isEqualTo(-127);
    }

    @Test
    void perChannelGivesEachColumnItsOwnScale() {
        // column 0 spans +-1.27 (scale 0.01), column 1 spans +-127 (scale 1)
        Tensor w = Tensor.ofFloats("w", new long[] {2, 2}, 1.27f, 127f, -0.5f, 3f);
        QuantizedMatrix perChannel = QuantizedMatrix.of(w, true, true);
        assertThat(perChannel.scales()[0]).isCloseTo(0.01f, org.assertj.core.data.Offset.offset(1e-8f));
        assertThat(perChannel.scales()[1]).isEqualTo(1f);
        assertThat(perChannel.zeroPoints()).containsExactly(128, 128);
        assertThat(perChannel.values()).containsExactly(255, 255, 78, 131);
        QuantizedMatrix perTensor = QuantizedMatrix.of(w, false, true);
        assertThat(perTensor.scales()).containsExactly(1f);
        // with one scale, column 0 collapses to 1, 0: the loss per-channel avoids
        assertThat(perTensor.values()).containsExactly(129, 255, 128, 131);
    }

    @Test
    void aSymmetricMatrixIsStoredAsInt8WithTheSameLevelsAndAnAsymmetricOneAsUint8() {
        Tensor w = Tensor.ofFloats("w", new long[] {2, 2}, 1.27f, 127f, -0.5f, 3f);
        QuantizedMatrix symmetric = QuantizedMatrix.of(w, true, true);
        Tensor values = symmetric.valuesTensor("q");
        assertThat(values.type()).isEqualTo(DataType.INT8);
        assertThat(values.toLongs()).containsExactly(127, 127, -50, 3); // 255, 255, 78, 131 less 128
        assertThat(symmetric.zeroPointTensor("zp").type()).isEqualTo(DataType.INT8);
        assertThat(symmetric.zeroPointTensor("zp").toLongs()).containsExactly(0, 0);

        QuantizedMatrix asymmetric = QuantizedMatrix.of(w, true, false);
        assertThat(asymmetric.valuesTensor("q").type()).isEqualTo(DataType.UINT8);
        assertThat(asymmetric.valuesTensor("q").toLongs()).containsExactly(asymmetric.values());
        assertThat(asymmetric.zeroPointTensor("zp").toLongs()).containsExactly(asymmetric.zeroPoints());
    }

    @Test
    void aConvWeightIsQuantizedPerOutputChannelAlongItsFirstAxis() {
        // [M=2, C=1, 1, 2]: output channel 0 spans +-1.27 (scale 0.01), channel 1 spans +-127 (scale 1)
        Tensor w = Tensor.ofFloats("w", new long[] {2, 1, 1, 2}, 1.27f, -0.5f, 127f, 3f);
        UInt8Channels q = UInt8Channels.of(w, 0, true, true);
        assertThat(q.scales()[0]).isCloseTo(0.01f, org.assertj.core.data.Offset.offset(1e-8f));
        assertThat(q.scales()[1]).isEqualTo(1f);
        assertThat(q.values()).containsExactly(255, 78, 255, 131);
        // the same weights as a [K, N] matrix per column: the two paths share one arithmetic
        Tensor asMatrix = Tensor.ofFloats("m", new long[] {2, 2}, 1.27f, 127f, -0.5f, 3f);
        assertThat(QuantizedMatrix.of(asMatrix, true, true).scales()).containsExactly(q.scales());
    }
}
