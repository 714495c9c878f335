package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.search.Architecture;
import dev.nncj.search.CandidateEncoder;
import dev.nncj.search.NumericForm;
import dev.nncj.search.TokenTableForm;
import dev.nncj.transformer.EncoderLifter;
import dev.nncj.transformer.EncoderRuns;
import dev.nncj.transformer.EncoderSpec;
import dev.nncj.transformer.MagnitudeImportance;
import dev.nncj.transformer.TinyEncoders;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeployableCandidateWriterTest {
    @TempDir
    Path dir;

    private static EncoderSpec tinyEncoder(Path dir) {
        return EncoderLifter.lift(TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L), false), dir.resolve("tiny.onnx"));
    }

    /** The word table's float initializers, by name: the only [V, *] tables of the tiny encoder are its word table's. */
    private static Map<String, Tensor> wordTables(OnnxModel m, long vocabulary) {
        Map<String, Tensor> tables = new java.util.HashMap<>();
        m.graph().initializers().forEach((name, t) -> {
            if (t.rank() == 2 && t.dim(0) == vocabulary) {
                tables.put(name, t);
            }
        });
        return tables;
    }

    @Test
    void aHalfRankTableIsWrittenAsTwoFactors() throws Exception {
        EncoderSpec spec = tinyEncoder(dir);
        long vocabulary = spec.embeddings().word().dim(0);
        int hidden = spec.embeddings().hidden();
        OnnxModel factored = DeployableCandidateWriter.emit(spec, TokenTableForm.INT4_HALF_RANK);
        assertThat(wordTables(factored, vocabulary).values()).singleElement()
                .satisfies(t -> assertThat(t.shape()).containsExactly(vocabulary, hidden / 2));
        assertThat(factored.graph().initializers().values()).anyMatch(t -> t.rank() == 2 && t.dim(0) == hidden / 2
                && t.dim(1) == hidden); // the [E, H] factor the thin lookup is multiplied by

        // written in an integer form, the factors are still there and ONNX Runtime runs the file (whether the
        // tall factor takes 4-bit blocks is the quantizer's rule for the token table: the largest Gather,
        // which in this tiny encoder is the position table)
        DeployableCandidateWriter writer = new DeployableCandidateWriter(Map.of(), Optional.empty());
        Path halfRank = dir.resolve("half.onnx");
        OnnxFiles.save(writer.write(spec, NumericForm.DYNAMIC_INT8, TokenTableForm.INT4_HALF_RANK), halfRank);
        assertThat(OnnxFiles.load(halfRank).graph().initializers().values())
                .anyMatch(t -> t.rank() == 2 && t.dim(0) == vocabulary && t.dim(1) == hidden / 2);
        assertThat(EncoderRuns.hidden(OnnxFiles.load(halfRank), dir)).doesNotContain(Float.NaN);
    }

    @Test
    void factorsLiftedAgainAreWrittenBackAsTheyWereNotTruncatedAgain() throws Exception {
        OnnxModel factored = DeployableCandidateWriter.emit(tinyEncoder(dir), TokenTableForm.INT4_HALF_RANK);
        float[] trained = EncoderRuns.hidden(factored, dir);
        // what the search does with a distilled candidate: lift it (the product L·R), write it in its form again
        EncoderSpec lifted = EncoderLifter.lift(factored, dir.resolve("trained.onnx"));
        OnnxModel again = DeployableCandidateWriter.emit(lifted, TokenTableForm.INT4_HALF_RANK);
        assertThat(EncoderRuns.maxAbsDiff(EncoderRuns.hidden(again, dir), trained)).isLessThan(1e-5);
        // while truncating the full table to half rank does change the outputs
        float[] full = EncoderRuns.hidden(DeployableCandidateWriter.emit(tinyEncoder(dir), TokenTableForm.INT4_BLOCKS), dir);
        assertThat(EncoderRuns.maxAbsDiff(full, trained)).isGreaterThan(1e-3);
    }

    /**
     * int8-dynamic-fused: a candidate with pruned heads and FFN written with one QAttention per layer,
     * which computes what the plain int8-dynamic file computes.
     */
    @Test
    void theFusedFormWritesQAttentionForPrunedHeads() throws Exception {
        EncoderSpec teacher = tinyEncoder(dir);
        Architecture a = Architecture.parse("layers 0,1 heads 2,1 ffn 8,4 int8-dynamic-fused table-fp32");
        EncoderSpec candidate = CandidateEncoder.of(teacher, new MagnitudeImportance().score(teacher), a);
        DeployableCandidateWriter writer = new DeployableCandidateWriter(Map.of("k", "v"), Optional.empty());

        OnnxModel fused = writer.write(candidate, NumericForm.DYNAMIC_INT8_FUSED, TokenTableForm.FP32);
        OnnxModel plain = writer.write(candidate, NumericForm.DYNAMIC_INT8, TokenTableForm.FP32);

        assertThat(fused.graph().nodes()).filteredOn(n -> n.opType().equals("QAttention")).hasSize(2);
        assertThat(fused.graph().nodes()).noneMatch(n -> n.opType().equals("Softmax"));
        assertThat(plain.graph().nodes()).noneMatch(n -> n.opType().equals("QAttention"));
        assertThat(fused.metadata()).containsEntry("k", "v");
        // the same integer products (the packed weight's columns keep each projection's scales), in one kernel
        assertThat(EncoderRuns.maxAbsDiff(realTokens(fused), realTokens(plain))).isLessThan(1e-3);
        // the float model training reads keeps the plain attention the layer terms find
        assertThat(writer.floatModel(candidate, TokenTableForm.FP32).graph().nodes()).anyMatch(n -> n.opType().equals("Softmax"));
    }

    /** The hidden states of the real (unpadded) tokens of the tiny encoder, 8 wide. */
    private float[] realTokens(OnnxModel model) throws Exception {
        return EncoderRuns.realTokens(EncoderRuns.hidden(model, dir), 8);
    }
}
