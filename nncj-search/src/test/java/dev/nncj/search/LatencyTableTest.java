package dev.nncj.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.nncj.ProgressListener;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.transformer.EmitOptions;
import dev.nncj.transformer.EncoderEmitter;
import dev.nncj.transformer.EncoderLifter;
import dev.nncj.transformer.EncoderSpec;
import dev.nncj.transformer.ImportanceScores;
import dev.nncj.transformer.MagnitudeImportance;
import dev.nncj.transformer.TinyEncoders;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LatencyTableTest {
    private final EncoderSpec teacher = EncoderLifter.lift(
            TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L, 3L), false), Path.of("tiny.onnx"));
    private final ImportanceScores scores = new MagnitudeImportance().score(teacher);
    private final SearchSpace space = new SearchSpace(new int[] {2, 2, 2}, new int[] {16, 16, 16}, 1, 1, 4,
            List.of(NumericForm.FP32, NumericForm.DYNAMIC_INT8), List.of(TokenTableForm.FP32, TokenTableForm.INT8_BLOCKS));

    /** A cost every model pays once (a session's first QuantizeLinear, say) belongs to the fixed part. */
    @Test
    void aCostPaidOncePerModelGoesToTheFixedPartNotToTheBlocks() {
        AdditiveDevice device = new AdditiveDevice() {
            @Override
            public double p50Millis(OnnxModel model) {
                return super.p50Millis(model) + 0.3;
            }
        };
        LatencyTable table = LatencyTable.measure(teacher, scores, space, device, device, 8, 2, ProgressListener.NONE);
        Random random = new Random(5);
        for (int i = 0; i < 20; i++) {
            Architecture a = space.sample(random);
            assertThat(table.predictMillis(a)).as(a.toString()).isCloseTo(device.truth(teacher, scores, a), within(1e-6));
        }
    }

    /**
     * A device whose time is exactly additive: 0.2 ms per model, 1 us per parameter, 0.05 ms per
     * LayerNorm (the per-layer overhead), halved for int8; a table form adds its own constant.
     */
    private static class AdditiveDevice implements CandidateWriter, ModelTimer {
        private NumericForm form;
        private TokenTableForm table;
        int timed;

        @Override
        public OnnxModel write(EncoderSpec encoder, NumericForm form, TokenTableForm table) {
            this.form = form;
            this.table = table;
            return EncoderEmitter.emit(encoder, EmitOptions.defaults());
        }

        @Override
        public double p50Millis(OnnxModel model) {
            timed++;
            long norms = model.graph().nodes().stream().filter(n -> n.is("LayerNormalization")).count();
            double t = 0.2 + 1e-3 * model.graph().parameterCount() + 0.05 * norms;
            return (form == NumericForm.FP32 ? t : t / 2) + (table == TokenTableForm.FP32 ? 0 : 0.01);
        }

        double truth(EncoderSpec teacher, ImportanceScores scores, Architecture a) {
            return p50Millis(write(CandidateEncoder.of(teacher, scores, a), a.form(), a.table()));
        }
    }

    @Test
    void onAnAdditiveDeviceEveryCandidateIsPredictedExactly() {
        AdditiveDevice device = new AdditiveDevice();
        LatencyTable table = LatencyTable.measure(teacher, scores, space, device, device, 8, 1, ProgressListener.NONE);
        // per form: 2 x 4 widths (the widest from models 1-3 layers deep), and one teacher run per table form
        assertThat(table.blocks()).hasSize(2 * 2 * 4);
        assertThat(table.fixedParts()).containsOnlyKeys("fp32 table-fp32", "fp32 table-int8",
                "int8-dynamic table-fp32", "int8-dynamic table-int8");
        assertThat(device.timed).isEqualTo(2 * (8 + 2)); // per form: 8 random models and the teacher in each table form
        assertThat(table.fittedOn()).hasSize(2 * (8 + 2)).doesNotHaveDuplicates();
        Random random = new Random(4);
        for (int i = 0; i < 50; i++) {
            Architecture a = space.sample(random);
            assertThat(table.predictMillis(a)).as(a.toString()).isCloseTo(device.truth(teacher, scores, a), within(1e-6));
        }
    }

    @Test
    void aSpaceWithoutTheTeachersFormsStillTimesThemForTheRatios() {
        AdditiveDevice device = new AdditiveDevice();
        SearchSpace int8Only = new SearchSpace(new int[] {2, 2, 2}, new int[] {16, 16, 16}, 1, 1, 4,
                List.of(NumericForm.DYNAMIC_INT8), List.of(TokenTableForm.INT8_BLOCKS));
        LatencyTable table = LatencyTable.measure(teacher, scores, int8Only, device, device, 8, 1, ProgressListener.NONE);
        Architecture whole = int8Only.full(NumericForm.FP32, TokenTableForm.FP32);
        assertThat(table.predictMillis(whole)).isCloseTo(device.truth(teacher, scores, whole), within(1e-6));
        Architecture candidate = int8Only.sample(new Random(3));
        assertThat(table.predictMillis(candidate)).isCloseTo(device.truth(teacher, scores, candidate), within(1e-6));
    }

    @Test
    void aBlockCostsWhatItAddsToAModel() {
        AdditiveDevice device = new AdditiveDevice();
        LatencyTable table = LatencyTable.measure(teacher, scores, space, device, device, 8, 1, ProgressListener.NONE);
        // one layer of 2 heads and FFN 16 (hidden 8): Q/K/V/O 4 x (8 x 8 + 8), FFN 8 x 16 + 16 + 16 x 8 + 8,
        // two LayerNorms of 2 x 8
        long params = 4 * (64 + 8) + (128 + 16 + 128 + 8) + 2 * 16;
        assertThat(table.blocks().get(new LatencyTable.Block(2, 16, NumericForm.FP32)))
                .isCloseTo(1e-3 * params + 2 * 0.05, within(1e-6));
    }

    @Test
    void aSavedTableReadsBackOnlyOnTheDeviceItWasMeasuredOn() {
        AdditiveDevice device = new AdditiveDevice();
        LatencyTable table = LatencyTable.measure(teacher, scores, space, device, device, 8, 1, ProgressListener.NONE);
        java.util.Map<String, Object> saved = table.toMap("cpu A, 1 thread");
        LatencyTable read = LatencyTable.fromMap(saved, "cpu A, 1 thread").orElseThrow();
        assertThat(read.blocks()).isEqualTo(table.blocks());
        assertThat(read.fixedParts()).isEqualTo(table.fixedParts());
        assertThat(read.fittedOn()).isEqualTo(table.fittedOn());
        assertThat(LatencyTable.fromMap(saved, "cpu B, 1 thread")).isEmpty();
        java.util.Map<String, Object> madeOtherwise = new java.util.LinkedHashMap<>(saved);
        madeOtherwise.put("method", "one-layer models minus a depth series' intercept");
        assertThat(LatencyTable.fromMap(madeOtherwise, "cpu A, 1 thread")).isEmpty();
        java.util.Map<String, Object> truncated = new java.util.LinkedHashMap<>(saved);
        truncated.remove("fitted_on");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LatencyTable.fromMap(truncated, "cpu A, 1 thread"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fitted_on");
        java.util.Map<String, Object> notANumber = new java.util.LinkedHashMap<>(saved);
        notANumber.put("fixed_ms", java.util.Map.of("fp32 table-fp32", "fast"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LatencyTable.fromMap(notANumber, "cpu A, 1 thread"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fp32 table-fp32");
    }
}
