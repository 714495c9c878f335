package dev.nncj.runtime;

import static dev.nncj.runtime.TinyOnnx.BOOL;
import static dev.nncj.runtime.TinyOnnx.FLOAT16;
import static dev.nncj.runtime.TinyOnnx.INT32;
import static dev.nncj.runtime.TinyOnnx.INT64;
import static dev.nncj.runtime.TinyOnnx.STRING;
import static dev.nncj.runtime.TinyOnnx.tensor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.platform.Fp16Conversions;
import dev.nncj.NncjException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InputSynthesizerTest {
    private static final int B = 2;
    private static final int L = 7;

    @TempDir
    Path dir;

    @Test
    void dynamicDimsBecomeBatchThenSequenceLengthAndFixedDimsStay() {
        InputSynthesizer synth = new InputSynthesizer(B, L);
        assertThat(synth.resolveShape(new long[] {-1, -1})).containsExactly(B, L);
        assertThat(synth.resolveShape(new long[] {-1, -1, 16})).containsExactly(B, L, 16);
        assertThat(synth.resolveShape(new long[] {1, -1, -1})).containsExactly(1, B, L);
        assertThat(synth.resolveShape(new long[] {3, 4})).containsExactly(3, 4);
        assertThat(synth.resolveShape(new long[] {})).isEmpty();
    }

    @Test
    void dimensionNamesSayWhichIsWhich() {
        InputSynthesizer synth = new InputSynthesizer(B, L);
        assertThat(synth.resolveShape(new long[] {1, -1}, new String[] {"", "sequence_length"}))
                .containsExactly(1, L);
        assertThat(synth.resolveShape(new long[] {-1, -1}, new String[] {"seq", "batch_size"}))
                .containsExactly(L, B);
        assertThat(synth.resolveShape(new long[] {-1, -1, 4}, new String[] {"N", "", ""}))
                .containsExactly(B, L, 4);
        assertThat(synth.resolveShape(new long[] {-1, -1}, new String[] {"dim_0", "batch"}))
                .containsExactly(L, B);
    }

    @Test
    void encoderInputsFollowTheirNames() throws Exception {
        Path model = TinyOnnx.write(dir, "encoder.onnx", TinyOnnx.encoder());
        try (OrtSession session = OrtSessions.open(model, RuntimeOptions.defaults());
                SessionInputs inputs = new InputSynthesizer(B, L).synthesize(session)) {
            assertThat(inputs.tensors()).containsOnlyKeys("input_ids", "attention_mask", "token_type_ids");
            for (OnnxTensor t : inputs.tensors().values()) {
                assertThat(t.getInfo().getShape()).containsExactly(B, L);
                assertThat(t.getInfo().type).isEqualTo(OnnxJavaType.INT64);
            }
            assertThat(longs(inputs.get("attention_mask"))).containsOnly(1L);
            assertThat(longs(inputs.get("token_type_ids"))).containsOnly(0L);
            long[] ids = longs(inputs.get("input_ids"));
            assertThat(Arrays.stream(ids).boxed()).allSatisfy(id -> assertThat(id).isBetween(100L, 999L));
            assertThat(Arrays.stream(ids).distinct().count()).as("ids vary").isGreaterThan(1);

            // And the model runs on them: Gather accepts every id, the output is [B, hidden].
            try (OrtSession.Result result = session.run(inputs.tensors())) {
                TensorInfo out = (TensorInfo) result.get(0).getInfo();
                assertThat(out.getShape()).containsExactly(B, TinyOnnx.HIDDEN);
            }
        }
    }

    @Test
    void idsAreDeterministicAndRespectTheVocabularySize() throws Exception {
        Path model = TinyOnnx.write(dir, "encoder.onnx", TinyOnnx.encoder());
        try (OrtSession session = OrtSessions.open(model, RuntimeOptions.defaults());
                SessionInputs first = new InputSynthesizer(B, L).synthesize(session);
                SessionInputs again = new InputSynthesizer(B, L).synthesize(session);
                SessionInputs reseeded = new InputSynthesizer(B, L).withSeed(1).synthesize(session);
                SessionInputs small = new InputSynthesizer(B, 64).withVocabSize(30).synthesize(session)) {
            assertThat(longs(again.get("input_ids"))).containsExactly(longs(first.get("input_ids")));
            assertThat(longs(reseeded.get("input_ids"))).isNotEqualTo(longs(first.get("input_ids")));
            // vocabulary 30: ids in [min(100, 30 / 2), 30) = [15, 30)
            assertThat(Arrays.stream(longs(small.get("input_ids"))).boxed()).allSatisfy(id -> assertThat(id).isBetween(15L, 29L));
        }
    }

    @Test
    void anInputTwoModelsShareGetsTheSameValues() throws Exception {
        // The encoder's input_ids and a lone identity input_ids of the same shape, next to different
        // other inputs: values are seeded by input name, so they agree.
        Path encoder = TinyOnnx.write(dir, "encoder.onnx", TinyOnnx.encoder());
        Path lone = TinyOnnx.write(dir, "lone.onnx", TinyOnnx.identities(
                tensor("pixel", TinyOnnx.FLOAT, "b", 3), tensor("input_ids", INT64, "batch", "seq")));
        InputSynthesizer synth = new InputSynthesizer(B, L);
        try (OrtSession a = OrtSessions.open(encoder, RuntimeOptions.defaults());
                OrtSession b = OrtSessions.open(lone, RuntimeOptions.defaults());
                SessionInputs inA = synth.synthesize(a);
                SessionInputs inB = synth.synthesize(b)) {
            assertThat(longs(inB.get("input_ids"))).containsExactly(longs(inA.get("input_ids")));
        }
    }

    @Test
    void floatsAreStandardNormal() throws Exception {
        // x[?, n, 16]: unnamed dynamic dim to batch, named one to sequence length
        Path model = TinyOnnx.write(dir, "matmul.onnx", TinyOnnx.matMul(4));
        try (OrtSession session = OrtSessions.open(model, RuntimeOptions.defaults());
                SessionInputs inputs = new InputSynthesizer(8, 64).synthesize(session)) {
            OnnxTensor x = inputs.get("x");
            assertThat(x.getInfo().getShape()).containsExactly(8, 64, 16);
            FloatBuffer values = x.getFloatBuffer();
            double sum = 0;
            double sumSq = 0;
            int n = values.remaining();
            for (int i = 0; i < n; i++) {
                float v = values.get(i);
                sum += v;
                sumSq += v * v;
            }
            double mean = sum / n;
            double var = sumSq / n - mean * mean;
            // n = 8192: the sample mean's standard error is about 0.011, so 0.05 is over 4 sigma.
            assertThat(mean).isBetween(-0.05, 0.05);
            assertThat(var).isBetween(0.9, 1.1);
        }
    }

    @Test
    void otherTypesAndRoles() throws Exception {
        Path model = TinyOnnx.write(dir, "types.onnx", TinyOnnx.identities(
                tensor("ids32", INT32, "batch", "seq"),
                tensor("segment_ids", INT32, "batch", "seq"),
                tensor("position_ids", INT64, 1, "seq"),
                tensor("use_cache", BOOL, 1),
                tensor("half", FLOAT16, "batch", 4)));
        try (OrtSession session = OrtSessions.open(model, RuntimeOptions.defaults());
                SessionInputs inputs = new InputSynthesizer(B, L).synthesize(session)) {
            int[] ids = ints(inputs.get("ids32"));
            assertThat(ids).hasSize(B * L);
            assertThat(Arrays.stream(ids).boxed()).allSatisfy(id -> assertThat(id).isBetween(100, 999));
            assertThat(ints(inputs.get("segment_ids"))).containsOnly(0);
            assertThat(longs(inputs.get("position_ids"))).containsExactly(0, 1, 2, 3, 4, 5, 6);
            assertThat((boolean[]) inputs.get("use_cache").getValue()).containsExactly(true);

            OnnxTensor half = inputs.get("half");
            assertThat(half.getInfo().type).isEqualTo(OnnxJavaType.FLOAT16);
            assertThat(half.getInfo().getShape()).containsExactly(B, 4);
            ShortBuffer bits = half.getShortBuffer();
            for (int i = 0; i < bits.remaining(); i++) {
                assertThat(Fp16Conversions.fp16ToFloat(bits.get(i))).isBetween(-10f, 10f);
            }
            try (OrtSession.Result result = session.run(inputs.tensors())) {
                assertThat(result.size()).isEqualTo(5);
            }
        }
    }

    @Test
    void anUnsupportedTypeNamesTheInput() throws Exception {
        Path model = TinyOnnx.write(dir, "text.onnx", TinyOnnx.identities(
                tensor("input_ids", INT64, "batch", "seq"), tensor("text", STRING, "batch")));
        try (OrtSession session = OrtSessions.open(model, RuntimeOptions.defaults())) {
            assertThatThrownBy(() -> new InputSynthesizer(B, L).synthesize(session))
                    .isInstanceOf(NncjException.class)
                    .hasMessageContaining("input 'text'")
                    .hasMessageContaining("string");
        }
    }

    @Test
    void badSizesAreRejected() {
        assertThatThrownBy(() -> new InputSynthesizer(0, L)).isInstanceOf(NncjException.class)
                .hasMessageContaining("batch size");
        assertThatThrownBy(() -> new InputSynthesizer(B, L).withVocabSize(1)).isInstanceOf(NncjException.class)
                .hasMessageContaining("vocabulary size");
    }

    private static long[] longs(OnnxTensor tensor) {
        LongBuffer buffer = tensor.getLongBuffer();
        long[] values = new long[buffer.remaining()];
        buffer.get(values);
        return values;
    }

    private static int[] ints(OnnxTensor tensor) {
        var buffer = tensor.getIntBuffer();
        int[] values = new int[buffer.remaining()];
        buffer.get(values);
        return values;
    }
}
