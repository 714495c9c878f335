package dev.nncj.onnx;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nncj.NncjException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@link TinyModels#linearRelu()} with one non-finite value in its weight w, stored in each floating-point type. */
class FiniteWeightsTest {
    static final Path FILE = Path.of("tiny.onnx");

    @Test
    void finiteWeightsPass() {
        assertThatCode(() -> FiniteWeights.requireFinite(TinyModels.linearRelu(), FILE)).doesNotThrowAnyException();
    }

    @Test
    void theFirstNonFiniteValueIsNamedWithItsTensorAndIndex() {
        assertRefused(DataType.FLOAT, 5, Float.NaN, "tiny.onnx: tensor w holds NaN at index 5");
        assertRefused(DataType.FLOAT16, 0, Float.POSITIVE_INFINITY, "tiny.onnx: tensor w holds +Infinity at index 0");
        assertRefused(DataType.BFLOAT16, 11, Float.NEGATIVE_INFINITY, "tiny.onnx: tensor w holds -Infinity at index 11");
        assertRefused(DataType.DOUBLE, 7, Float.NaN, "tiny.onnx: tensor w holds NaN at index 7");
    }

    @Test
    void eightBitFloatsAreCheckedToo() {
        byte[] raw = new byte[12];
        raw[3] = 0x7c; // float8e5m2 +infinity: exponent all ones, mantissa zero
        OnnxModel m = TinyModels.linearRelu();
        m.graph().replaceInitializer(Tensor.ofRaw("w", DataType.FLOAT8E5M2, new long[] {4, 3},
                java.nio.ByteBuffer.wrap(raw)));
        assertThatThrownBy(() -> FiniteWeights.requireFinite(m, FILE))
                .hasMessage("tiny.onnx: tensor w holds +Infinity at index 3; compressing it would give a wrong model");
    }

    @Test
    void integerTensorsAreNotWeightsToCheck() {
        OnnxModel m = TinyModels.linearRelu();
        m.graph().addInitializer(Tensor.ofLongs("shape", new long[] {2}, -1, Long.MAX_VALUE));
        assertThatCode(() -> FiniteWeights.requireFinite(m, FILE)).doesNotThrowAnyException();
    }

    private static void assertRefused(DataType type, int index, float bad, String message) {
        OnnxModel m = TinyModels.linearRelu();
        float[] w = m.graph().initializer("w").orElseThrow().toFloats();
        w[index] = bad;
        if (index + 1 < w.length) {
            w[index + 1] = Float.NaN; // a later one is not the first
        }
        m.graph().replaceInitializer(Tensor.encodeFloats("w", type, new long[] {4, 3}, w));
        assertThatThrownBy(() -> FiniteWeights.requireFinite(m, FILE))
                .isInstanceOf(NncjException.class)
                .hasMessage(message + "; compressing it would give a wrong model");
    }
}
