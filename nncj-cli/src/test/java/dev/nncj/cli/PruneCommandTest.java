package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nncj.data.TinyTokenizer;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.TinyModels;
import dev.nncj.provenance.Provenance;
import dev.nncj.transformer.TinyEncoders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `nncj prune` on a tiny 3-layer encoder (2 heads of 4, FFN 16) built in the test. */
class PruneCommandTest {
    @TempDir
    Path dir;

    Path encoder;
    Path out;

    @BeforeEach
    void models() throws IOException {
        encoder = dir.resolve("in/model.onnx");
        Files.createDirectories(encoder.getParent());
        OnnxFiles.save(TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L, 3L), false), encoder);
        TinyTokenizer.write(encoder.getParent());
        out = dir.resolve("out/model.onnx");
        Files.createDirectories(out.getParent());
    }

    @Test
    void prunesLayersHeadsAndNeuronsAndReportsTheResult() throws IOException {
        Path data = Files.writeString(dir.resolve("s.txt"), "the cat sat on the mat.\na dog\ncats on a mat\n");
        CliRun run = CliRun.of("prune", encoder, "-o", out, "--drop-layers", "1", "--heads", "0.5", "--ffn", "0.25",
                "--importance", "activation", "--calibration-data", data, "--eval-data", data,
                "--bench-runs", 3, "--seq-len", 8, "--json", "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(run.out());
        OnnxModel before = OnnxFiles.load(encoder);
        OnnxModel after = OnnxFiles.load(out);
        // one whole layer, then per kept layer one head (3 * (8*4 + 4) + 4*8 = 140) and 4 neurons (17 each)
        long layer = (before.graph().parameterCount() - (14 * 8 + 2 * 8 + 16 * 8 + 16)) / 3;
        long expected = layer + 2 * 140 + 2 * 4 * 17;
        assertThat(before.graph().parameterCount() - after.graph().parameterCount()).isEqualTo(expected);
        assertThat(json.get("parameters_before").asLong() - json.get("parameters_after").asLong()).isEqualTo(expected);
        assertThat(json.get("layers")).hasSize(2);
        assertThat(json.get("layers").get(1).get("original_index").asInt()).isEqualTo(2);
        assertThat(json.get("layers").get(1).get("heads")).hasSize(1);
        assertThat(json.get("layers").get(0).get("ffn_neurons").asInt()).isEqualTo(12);
        assertThat(after.metadata().get(Provenance.STEPS)).contains("\"step\":\"prune\"", "\"importance\":\"activation\"");
        assertThat(Files.exists(out.resolveSibling("tokenizer.json"))).isTrue();
    }

    @Test
    void inspectShowsTheLiftedLayersOfAPrunedEncoder() throws IOException {
        assertThat(CliRun.of("prune", encoder, "-o", out, "--heads-per-layer", "2,1,1", "--ffn", "0.5",
                "--bench-runs", 3, "--seq-len", 8, "-q").exitCode()).isZero();
        CliRun run = CliRun.of("inspect", out, "--json");
        JsonNode json = new ObjectMapper().readTree(run.out());
        assertThat(json.get("encoder_layers").get("layers")).hasSize(3);
        assertThat(json.get("encoder_layers").get("layers").get(1).get("heads").asInt()).isEqualTo(1);
        assertThat(json.get("encoder_layers").get("layers").get(1).get("ffn_width").asInt()).isEqualTo(8);
        assertThat(json.get("encoder").get("heads").asInt()).isEqualTo(-1);
        assertThat(json.get("encoder").get("ffn_size").asInt()).isEqualTo(8);
        assertThat(CliRun.of("inspect", out).out()).contains("    1     1 heads x 4    FFN 8      gelu_erf");
    }

    @Test
    void aModelThatIsNotAnEncoderIsRefusedAndNothingIsWritten() throws IOException {
        Path mlp = dir.resolve("mlp.onnx");
        OnnxFiles.save(TinyModels.linearRelu(), mlp);
        CliRun run = CliRun.of("prune", mlp, "-o", out, "--heads", "0.5", "-q");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.errorLine()).isEqualTo("nncj: " + mlp + ": not a transformer encoder NNCJ can lift: no token"
                + " embedding: no Gather from a constant table indexed by a graph input");
        assertThat(Files.exists(out)).isFalse();
    }

    @Test
    void badOptionsGiveOneLineAndWriteNothing() {
        assertError(List.of("--heads", "1.0"), "nncj: heads fraction must be in [0, 1), got 1.0");
        assertError(List.of("--ffn", "-0.5"), "nncj: ffn fraction must be in [0, 1), got -0.5");
        assertError(List.of("--keep-layers", "0,3"), "nncj: --keep-layers: layer 3 is out of range (the model has layers 0..2)");
        assertError(List.of("--drop-layers", "5"), "nncj: --drop-layers: layer 5 is out of range (the model has layers 0..2)");
        assertError(List.of("--heads", "0.9"), "nncj: pruning would leave layer 0 with no attention heads (2 heads, 0 kept)");
        assertError(List.of("--heads-per-layer", "2,0,1"), "nncj: pruning would leave layer 1 with no attention heads (2 heads, 0 kept)");
        assertError(List.of("--heads-per-layer", "2,1"), "nncj: per-layer head counts: 2 given for 3 layers");
        assertThat(CliRun.of("prune", encoder, "-o", out, "--heads", "0.5", "--eval-data", dir.resolve("none.tsv"), "-q")
                .errorLine()).startsWith("nncj: " + dir.resolve("none.tsv"));
        assertThat(Files.exists(out)).isFalse();
        assertError(List.of(), "nncj: nothing to prune: give --keep-layers, --drop-layers, --heads, --heads-per-layer or --ffn");
        assertError(List.of("--ffn", "0.5", "--importance", "activation"), "nncj: --importance activation needs --calibration-data FILE");
        assertError(List.of("--ffn", "0.5", "--teacher", encoder.toString()), "nncj: --teacher is for training: --recover (or quantize --qat)");
        Path data = dir.resolve("d.tsv");
        assertError(List.of("--ffn", "0.5", "--recover", "--data", encoder.toString(), "--teacher", data.toString()),
                "nncj: " + data + ": file not found");
    }

    /** A name no registry or enum knows is a usage error (exit 2) listing the names that exist, in prune as in quantize. */
    @Test
    void unknownMethodNamesAreUsageErrorsListingTheChoices() {
        CliRun importance = CliRun.of("prune", encoder, "-o", out, "--ffn", "0.5", "--importance", "taylor", "-q");
        assertThat(importance.exitCode()).isEqualTo(2);
        assertThat(importance.errorLine())
                .isEqualTo("nncj: --importance must be " + dev.nncj.Choices.oneOf(Methods.IMPORTANCE.names()) + ", not 'taylor'");
        assertThat(Methods.IMPORTANCE.names()).startsWith("magnitude", "activation", "gradient");
        for (String command : new String[] {"prune", "quantize"}) {
            CliRun attention = command.equals("prune")
                    ? CliRun.of("prune", encoder, "-o", out, "--ffn", "0.5", "--attention", "flash", "-q")
                    : CliRun.of("quantize", encoder, "-o", out, "--mode", "dynamic-int8", "--attention", "flash", "-q");
            assertThat(attention.exitCode()).as(command).isEqualTo(2);
            assertThat(attention.errorLine()).as(command).isEqualTo("nncj: --attention must be "
                    + (command.equals("prune") ? "plain or fused" : "auto, plain or fused") + ", not 'flash'");
        }
        assertThat(Files.exists(out)).isFalse();
    }

    @Test
    void quantizeCanFuseTheAttentionOfAnEncoderIntoQAttention() throws IOException {
        // (the tiny word table is below the size worth quantizing: EmbeddingBitsTest covers 4-bit tables)
        CliRun run = CliRun.of("quantize", encoder, "-o", out, "--mode", "dynamic-int8", "--attention", "fused",
                "--embedding-bits", "4", "--block-size", "16", "--bench-runs", 2, "--seq-len", 8, "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        OnnxModel q = OnnxFiles.load(out);
        assertThat(q.graph().nodes()).filteredOn(n -> n.opType().equals("QAttention")).hasSize(3);
        assertThat(q.metadata().get(Provenance.STEPS)).contains("\"attention\":\"fused\"", "\"embedding_bits\":4");

        Path other = dir.resolve("other/model.onnx");
        CliRun wrongMode = CliRun.of("quantize", encoder, "-o", other, "--mode", "fp16", "--embedding-bits", "4", "-q");
        assertThat(wrongMode.exitCode()).isNotZero();
        assertThat(wrongMode.errorLine()).contains("--embedding-bits is for dynamic-int8 and static-int8");
        CliRun dynamicAttention = CliRun.of("quantize", encoder, "-o", other, "--mode", "dynamic-int8", "--quantize-attention", "-q");
        assertThat(dynamicAttention.exitCode()).isNotZero();
        assertThat(dynamicAttention.errorLine()).contains("--quantize-attention is for static-int8");
        CliRun badBlock = CliRun.of("quantize", encoder, "-o", other, "--mode", "dynamic-int8", "--embedding-bits", "4",
                "--block-size", "17", "-q");
        assertThat(badBlock.exitCode()).isNotZero();
        assertThat(badBlock.errorLine()).contains("--block-size 17: must be a power of 2");
        CliRun badBits = CliRun.of("quantize", encoder, "-o", other, "--mode", "dynamic-int8", "--embedding-bits", "6", "-q");
        assertThat(badBits.errorLine()).isEqualTo("nncj: --embedding-bits must be 8 or 4, not 6");
        CliRun staticFused = CliRun.of("quantize", encoder, "-o", other, "--mode", "static-int8", "--attention", "fused", "-q");
        assertThat(staticFused.exitCode()).isNotZero();
        assertThat(staticFused.errorLine()).contains("--attention fused is for dynamic-int8");
        Path data = Files.writeString(dir.resolve("train.tsv"), "sentence\tlabel\nthe cat\t1\n");
        CliRun qatFused = CliRun.of("quantize", encoder, "-o", other, "--mode", "static-int8", "--qat", "--data", data,
                "--attention", "fused", "-q");
        assertThat(qatFused.errorLine()).contains("--attention fused is for dynamic-int8"); // not silently ignored
        assertThat(Files.exists(other)).isFalse();
    }

    /** Dynamic int8's default fuses an encoder's attention (the faster form) and says so; plain keeps its ops. */
    @Test
    void dynamicInt8FusesAnEncodersAttentionByDefault() throws IOException {
        CliRun auto = CliRun.of("quantize", encoder, "-o", out, "--mode", "dynamic-int8", "--bench-runs", 2, "--seq-len", 8, "-q");
        assertThat(auto.exitCode()).as(auto.err()).isZero();
        assertThat(OnnxFiles.load(out).graph().nodes()).filteredOn(n -> n.opType().equals("QAttention")).hasSize(3);
        assertThat(auto.out()).contains("note: attention fused into com.microsoft.Attention");
        assertThat(OnnxFiles.load(out).metadata().get(Provenance.STEPS)).contains("\"attention\":\"auto\"",
                "\"attention_written\":\"fused\"");

        Path plainOut = dir.resolve("plain/model.onnx");
        CliRun plain = CliRun.of("quantize", encoder, "-o", plainOut, "--mode", "dynamic-int8", "--attention", "plain",
                "--bench-runs", 2, "--seq-len", 8, "-q");
        assertThat(plain.exitCode()).as(plain.err()).isZero();
        assertThat(OnnxFiles.load(plainOut).graph().nodes()).noneMatch(n -> n.opType().equals("QAttention"))
                .anyMatch(n -> n.opType().equals("Softmax"));
        assertThat(plain.out()).doesNotContain("note: attention");
        assertThat(OnnxFiles.load(plainOut).metadata().get(Provenance.STEPS)).contains("\"attention_written\":\"as given\"");

        // only dynamic int8 has a fused form: auto leaves another mode's attention alone, without a note
        Path fp16Out = dir.resolve("fp16/model.onnx");
        CliRun fp16Run = CliRun.of("quantize", encoder, "-o", fp16Out, "--mode", "fp16", "--bench-runs", 2,
                "--seq-len", 8, "-q");
        assertThat(fp16Run.exitCode()).as(fp16Run.err()).isZero();
        assertThat(OnnxFiles.load(fp16Out).graph().nodes()).noneMatch(n -> n.opType().equals("QAttention"));
        assertThat(fp16Run.out()).doesNotContain("note: attention");
    }

    @Test
    void benchProfileSaysWhereTheTimeGoesByOperatorType() throws IOException {
        CliRun run = CliRun.of("bench", encoder, "--runs", 3, "--warmup", 1, "--seq-len", 8, "--profile", "--json", "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode profile = new ObjectMapper().readTree(run.out()).get("profile").get(0);
        assertThat(profile.get("runs").asInt()).isEqualTo(3);
        double shares = 0;
        boolean sawMatMul = false;
        for (JsonNode op : profile.get("operators")) {
            shares += op.get("share").asDouble();
            sawMatMul |= op.get("op_type").asText().contains("MatMul");
            assertThat(op.get("nodes").asInt()).isPositive();
        }
        assertThat(shares).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(sawMatMul).isTrue();
        assertThat(profile.get("kernel_ms_per_run").asDouble()).isPositive();
    }

    private void assertError(List<String> options, String line) {
        List<Object> args = new java.util.ArrayList<>(List.of("prune", encoder, "-o", out, "-q"));
        args.addAll(options);
        CliRun run = CliRun.of(args.toArray());
        assertThat(run.exitCode()).as(options.toString()).isEqualTo(1);
        assertThat(run.errorLine()).isEqualTo(line);
        assertThat(Files.exists(out)).as(options.toString()).isFalse();
    }
}
