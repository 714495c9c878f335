package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nncj.data.TinyTokenizer;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.GraphBuilder;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.onnx.TinyModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nncj sparsify} in-process on a tiny encoder: output, JSON, and one-line errors. */
class SparsifyCommandTest {
    @TempDir
    Path dir;

    Path encoder;

    /** {@link TinyModels#projectedEmbedder}: Gather(emb[14,64]) then MatMul(w[64,64]). */
    @BeforeEach
    void models() throws IOException {
        encoder = dir.resolve("enc.onnx");
        OnnxFiles.save(TinyModels.projectedEmbedder(TinyTokenizer.VOCABULARY_SIZE, 64), encoder);
        TinyTokenizer.write(dir);
    }

    @Test
    void sparsifyPrintsSparsitySizeLatencyFidelityAndTheDensifyNote() throws IOException {
        Path sentences = Files.writeString(dir.resolve("s.txt"), "the cat\na dog\ndogs and cats\n");
        Path out = dir.resolve("out/sparse.onnx");
        CliRun run = CliRun.of("sparsify", encoder, "-o", out, "--sparsity", 0.8, "--include-embeddings",
                "--eval-data", sentences, "--bench-runs", 3, "--seq-len", 8, "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("magnitude 0.8 global, 2 weights", "3,993 of 4,992 elements zero (sparsity 0.7999, density 0.2001)", // floor(0.8 * 4992)
                "2 stored as ONNX sparse_initializer", "note: " + SparsifyCommand.DENSIFY_NOTE, "size", "p50",
                "cosine");
        assertThat(Files.size(out)).isLessThan(Files.size(encoder) / 2);
        assertThat(out.resolveSibling("tokenizer.json")).exists();
    }

    /** Wanda's criterion: the inputs' statistics come from the calibration sentences, through the model's tokenizer. */
    @Test
    void activationCriterionMeasuresTheInputsOnCalibrationSentences() throws IOException {
        Path sentences = Files.writeString(dir.resolve("s.txt"), "the cat\na dog\ndogs and cats\n");
        Path byMagnitude = dir.resolve("magnitude.onnx");
        Path byActivation = dir.resolve("activation.onnx");
        assertThat(CliRun.of("sparsify", encoder, "-o", byMagnitude, "--sparsity", 0.5, "--storage", "dense", "--bench-runs", 1,
                "--seq-len", 8, "-q").exitCode()).isZero();
        CliRun run = CliRun.of("sparsify", encoder, "-o", byActivation, "--sparsity", 0.5, "--storage", "dense", "--criterion",
                "activation", "--calibration-data", sentences, "--bench-runs", 1, "--seq-len", 8, "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("2,048 of 4,096 elements zero", "note: --criterion activation under one global threshold");
        OnnxModel activation = OnnxFiles.load(byActivation);
        String weight = activation.graph().nodes().stream().filter(n -> n.is("MatMul")).findFirst().orElseThrow().input(1);
        // the same count of zeros, placed by the inputs' RMS: not magnitude's placement
        assertThat(activation.graph().initializer(weight).orElseThrow().toFloats())
                .isNotEqualTo(OnnxFiles.load(byMagnitude).graph().initializer(weight).orElseThrow().toFloats());
        assertThat(activation.metadata().get(dev.nncj.provenance.Provenance.STEPS)).contains("\"criterion\":\"activation\"");
    }

    @Test
    void jsonHasTheCountsAndTheReport() throws IOException {
        Path out = dir.resolve("nm.onnx");
        CliRun run = CliRun.of("sparsify", encoder, "-o", out, "--nm", "2:4", "--json", "--bench-runs", 2, "--seq-len", 8, "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode json = Json.mapper().readTree(run.out());
        assertThat(json.get("pattern").asText()).isEqualTo("N:M 2:4");
        assertThat(json.get("weights").asInt()).isEqualTo(1); // the embedding is never N:M-pruned
        assertThat(json.get("zeros").asLong()).isEqualTo(64 * 64 / 2);
        assertThat(json.has("ratio_p50")).isTrue();
        // density 0.5 on 4,096 elements: 2,048 * (4 + 2-byte int16 index) < 16,384 bytes, so stored sparse
        assertThat(json.get("stored_sparse").asInt()).isEqualTo(1);
        assertThat(json.get("size_ratio").asDouble()).isLessThan(1);
    }

    @Test
    void twoOfFourOnALargeWeightSaysWhyTheOnnxFileDoesNotShrink() throws IOException {
        // x[1,192] ── MatMul(w[192,192]) ── y: 36,864 elements need int32 indices, 2:4 leaves density 0.5,
        // and 18,432 * (4 + 4) bytes is exactly the dense 147,456: not smaller, so w stays dense
        GraphBuilder b = new GraphBuilder("square", 17);
        String x = b.input("x", DataType.FLOAT, 1, 192);
        String w = b.initializer(Tensor.ofFloats("w", new long[] {192, 192}, TinyModels.gaussian(192 * 192, 3)));
        b.output(b.op("MatMul", x, w), "y", DataType.FLOAT, 1, 192);
        Path square = dir.resolve("square.onnx");
        OnnxFiles.save(b.build(), square);
        CliRun run = CliRun.of("sparsify", square, "-o", dir.resolve("nm.onnx"), "--nm", "2:4", "--json", "--bench-runs", 2, "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode json = Json.mapper().readTree(run.out());
        assertThat(json.get("stored_sparse").asInt()).isZero();
        assertThat(json.get("notes").get(0).asText()).startsWith("no pruned weight is smaller as an ONNX sparse_initializer");
        CliRun packed = CliRun.of("sparsify", square, "-o", dir.resolve("nm.nncj"), "--nm", "2:4", "--json", "--bench-runs", 2, "-q");
        assertThat(Json.mapper().readTree(packed.out()).get("size_ratio").asDouble()).isLessThan(0.6);
    }

    @Test
    void badOptionsAreOneLineAndWriteNothing() {
        Path out = dir.resolve("never.onnx");
        String[][] cases = {
            {"--sparsity", "1.0"}, {"--sparsity", "-0.1"}, {"--nm", "3:2"}, {"--nm", "0:4"}, {"--nm", "two:four"},
            {"--sparsity", "0.5", "--nm", "2:4"}, {}, {"--sparsity", "0.5", "--scope", "layer"},
            {"--nm", "2:4", "--include-embeddings"},
            {"--sparsity", "0.5", "--criterion", "activation"}, {"--sparsity", "0.5", "--calibration-data", "s.txt"},
            {"--sparsity", "0.5", "--criterion", "size"},
            {"--sparsity", "0.5", "--criterion", "activation", "--calibration-data", "s.txt", "--calibration-samples", "-1"},
        };
        String[] expected = {
            "nncj: --sparsity: sparsity must be in [0, 1), got 1.0",
            "nncj: --sparsity: sparsity must be in [0, 1), got -0.1",
            "nncj: --nm: N:M needs 1 <= N < M, got 3:2",
            "nncj: --nm: N:M needs 1 <= N < M, got 0:4",
            "nncj: --nm: N:M must look like 2:4, got 'two:four'",
            "nncj: give exactly one of --sparsity S or --nm N:M",
            "nncj: give exactly one of --sparsity S or --nm N:M",
            "nncj: --scope must be global or per-layer, not 'layer'",
            "nncj: --include-embeddings works with --sparsity only: N:M is for matrix multiplications",
            "nncj: --criterion activation needs --calibration-data FILE",
            "nncj: --calibration-data is for --criterion activation",
            "nncj: --criterion must be magnitude or activation, not 'size'",
            "nncj: --calibration-samples must be at least 1, got -1",
        };
        for (int i = 0; i < cases.length; i++) {
            Object[] args = new Object[4 + cases[i].length];
            args[0] = "sparsify";
            args[1] = encoder;
            args[2] = "-o";
            args[3] = out;
            System.arraycopy(cases[i], 0, args, 4, cases[i].length);
            CliRun run = CliRun.of(args);
            // a bad --scope is a usage error as in movement, which parses it the same way
            int expectedCode = List.of(cases[i]).contains("--scope") ? 2 : 1;
            assertThat(run.exitCode()).as(String.join(" ", cases[i])).isEqualTo(expectedCode);
            assertThat(run.errorLine()).isEqualTo(expected[i]);
            assertThat(out).doesNotExist();
        }
    }

    @Test
    void aModelWithoutPrunableWeightsIsOneLineAndWritesNothing() throws IOException {
        Path embedder = dir.resolve("embedder.onnx");
        OnnxFiles.save(TinyModels.tokenEmbedder(TinyTokenizer.VOCABULARY_SIZE, 0), embedder);
        Path out = dir.resolve("never.onnx");
        CliRun run = CliRun.of("sparsify", embedder, "-o", out, "--sparsity", 0.5, "-q");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.errorLine()).isEqualTo("nncj: " + embedder + ": has no prunable weights: no MatMul, Gemm or "
                + "Conv reads a floating-point initializer that --include/--exclude select");
        assertThat(out).doesNotExist();
    }

    @Test
    void theInputIsNeverOverwritten() throws IOException {
        byte[] before = Files.readAllBytes(encoder);
        CliRun run = CliRun.of("sparsify", encoder, "-o", encoder, "--sparsity", 0.5, "-q");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.errorLine()).contains("refusing to overwrite the input model");
        assertThat(Files.readAllBytes(encoder)).isEqualTo(before);
    }

    @Test
    void containerUnpacksToTheDenseZerosModelBitForBit() throws Exception {
        Path packed = dir.resolve("c/model.nncj");
        CliRun run = CliRun.of("sparsify", encoder, "-o", packed, "--sparsity", 0.8, "--include-embeddings",
                "--bench-runs", 2, "--seq-len", 8, "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("packed in a .nncj container", "note: " + SparsifyCommand.CONTAINER_NOTE
                .replace("OUT", packed.toString()));
        assertThat(packed.resolveSibling("tokenizer.json")).exists();
        try (var leftovers = Files.list(packed.getParent())) {
            assertThat(leftovers.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("model.nncj", "tokenizer.json");
        }
        Path dense = dir.resolve("dense.onnx");
        assertThat(CliRun.of("sparsify", encoder, "-o", dense, "--sparsity", 0.8, "--include-embeddings", "--storage", "dense",
                "--bench-runs", 2, "--seq-len", 8, "-q").exitCode()).isZero();
        Path sparse = dir.resolve("sparse.onnx");
        assertThat(CliRun.of("sparsify", encoder, "-o", sparse, "--sparsity", 0.8, "--include-embeddings",
                "--bench-runs", 2, "--seq-len", 8, "-q").exitCode()).isZero();
        assertThat(Files.size(packed)).isLessThan(Files.size(sparse));

        Path unpacked = dir.resolve("u/model.onnx");
        CliRun unpack = CliRun.of("unpack", packed, "-o", unpacked);
        assertThat(unpack.exitCode()).as(unpack.err()).isZero();
        assertThat(unpack.out()).startsWith(unpacked + ": ");
        // the same graph, tensors and provenance as the dense-zeros file (only provenance times differ)
        var a = OnnxFiles.load(unpacked).graph().initializers();
        var b = OnnxFiles.load(dense).graph().initializers();
        assertThat(a.keySet()).isEqualTo(b.keySet());
        a.forEach((name, t) -> assertThat(t.rawData()).as(name).isEqualTo(b.get(name).rawData()));
        assertThat(CliRun.of("bench", unpacked, "--runs", 2, "--warmup", 1, "--seq-len", 8, "-q").exitCode()).isZero();
    }

    @Test
    void unpackRefusesTruncatedAndForeignFilesInOneLine() throws IOException {
        Path packed = dir.resolve("model.nncj");
        assertThat(CliRun.of("sparsify", encoder, "-o", packed, "--sparsity", 0.5, "--bench-runs", 1, "--seq-len", 4, "-q")
                .exitCode()).isZero();
        byte[] bytes = Files.readAllBytes(packed);
        Path cut = Files.write(dir.resolve("cut.nncj"), java.util.Arrays.copyOf(bytes, bytes.length - 100));
        Path out = dir.resolve("never.onnx");
        CliRun truncated = CliRun.of("unpack", cut, "-o", out);
        assertThat(truncated.exitCode()).isEqualTo(1);
        assertThat(truncated.errorLine()).startsWith("nncj: " + cut + ": is truncated (it ends inside packed tensor ");
        CliRun foreign = CliRun.of("unpack", encoder, "-o", out);
        assertThat(foreign.errorLine()).isEqualTo("nncj: " + encoder + ": is not an NNCJ container (it does not start with NNCJPACK)");
        assertThat(out).doesNotExist();
        assertThat(CliRun.of("sparsify", encoder, "-o", packed, "--sparsity", 0.5, "--storage", "dense").errorLine())
                .isEqualTo("nncj: --storage is for .onnx outputs; a .nncj container always packs zeros with a bitmask");
    }
}
