package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nncj.cluster.CodebookWeight;
import dev.nncj.data.TinyTokenizer;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.TinyModels;
import dev.nncj.transformer.TinyEncoders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nncj share --clusters} in-process on a tiny encoder: table, JSON, container and unpack, one-line errors. */
class ShareClustersCommandTest {
    @TempDir
    Path dir;

    Path encoder;

    /** {@link TinyModels#projectedEmbedder}: Gather(emb[14,64]) then MatMul(w[64,256]). */
    @BeforeEach
    void models() throws IOException {
        encoder = dir.resolve("enc.onnx");
        OnnxFiles.save(TinyModels.projectedEmbedder(TinyTokenizer.VOCABULARY_SIZE, 256), encoder);
        TinyTokenizer.write(dir);
    }

    @Test
    void sharePrintsBitsSizeLatencyFidelityAndTheSizeNote() throws IOException {
        Path sentences = Files.writeString(dir.resolve("s.txt"), "the cat\na dog\ndogs and cats\n");
        Path out = dir.resolve("out/shared.onnx");
        CliRun run = CliRun.of("share", encoder, "-o", out, "--clusters", 16, "--eval-data", sentences, "--bench-runs", 3,
                "--seq-len", 8, "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        // 16 centroids + the zero need 5 bits; 16 floats over 16,384 weights add 0.03
        assertThat(run.out()).contains("1 weights clustered to K=16 (linear init), 16,384 elements (16,384 non-zero); 5.03 bits per weight",
                "note: " + ShareCommand.SIZE_NOTE, "size", "p50", "cosine");
        OnnxModel shared = OnnxFiles.load(out);
        assertThat(CodebookWeight.find(shared.graph())).extracting(CodebookWeight::weight).containsExactly("w");
        assertThat(Files.size(out)).isLessThan(Files.size(encoder) * 6 / 10); // the 64x256 weight at 1 byte instead of 4
        assertThat(out.resolveSibling("tokenizer.json")).exists();
    }

    @Test
    void containerCodesTheIndicesAndUnpacksToTheSameModel() throws Exception {
        Path onnx = dir.resolve("shared.onnx");
        assertThat(CliRun.of("share", encoder, "-o", onnx, "--clusters", 4, "--init", "density", "--bench-runs", 1,
                "--seq-len", 4, "-q").exitCode()).isZero();
        Path packed = dir.resolve("c/shared.nncj");
        CliRun run = CliRun.of("share", encoder, "-o", packed, "--clusters", 4, "--init", "density", "--json",
                "--bench-runs", 1, "--seq-len", 4, "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode json = Json.mapper().readTree(run.out());
        assertThat(json.get("container").asBoolean()).isTrue();
        // 4 clusters of a Gaussian (about 0.16/0.34/0.34/0.16): Huffman codes of about 2 bits, and no position
        // bits since no element is zero
        assertThat(json.get("coded_bits_per_weight").asDouble()).isBetween(1.8, 2.2);
        assertThat(json.get("fixed_length_bits_per_weight").asDouble()).isGreaterThan(3.0);

        Path unpacked = dir.resolve("u.onnx");
        CliRun unpack = CliRun.of("unpack", packed, "-o", unpacked);
        assertThat(unpack.exitCode()).as(unpack.err()).isZero();
        assertThat(unpack.out()).contains("huffman", "bits per element");
        var a = OnnxFiles.load(unpacked).graph().initializers();
        var b = OnnxFiles.load(onnx).graph().initializers();
        assertThat(a.keySet()).isEqualTo(b.keySet());
        a.forEach((name, t) -> assertThat(t.rawData()).as(name).isEqualTo(b.get(name).rawData()));
    }

    @Test
    void theEmbeddingTableClustersAndEvalStillFindsTheVocabulary() throws IOException {
        Path sentences = Files.writeString(dir.resolve("s.txt"), "the cat\na dog\n");
        Path out = dir.resolve("emb.onnx");
        CliRun run = CliRun.of("share", encoder, "-o", out, "--clusters", 16, "--include-embeddings", "--eval-data", sentences,
                "--bench-runs", 1, "--seq-len", 4, "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("2 weights clustered", "cosine");
        assertThat(CodebookWeight.find(OnnxFiles.load(out).graph())).extracting(CodebookWeight::weight)
                .containsExactlyInAnyOrder("w", "embeddings.word_embeddings.weight");
        CliRun inspect = CliRun.of("inspect", out, "--json");
        assertThat(inspect.exitCode()).as(inspect.err()).isZero();
    }

    @Test
    void recoveryTrainsTheCodebooksAndKeepsTheIndices() throws IOException {
        Path clf = dir.resolve("clf/model.onnx");
        Files.createDirectories(clf.getParent());
        OnnxModel classifier = TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L), false);
        dev.nncj.train.finetune.ClassifierHead.attach(classifier, "last_hidden_state", 2, 7);
        OnnxFiles.save(classifier, clf);
        TinyTokenizer.write(clf.getParent());
        Path train = FactorizeCommandTest.catsAndDogs(dir.resolve("train.tsv"), 32);
        Path plain = dir.resolve("plain.onnx");
        Path recovered = dir.resolve("recovered.onnx");
        assertThat(CliRun.of("share", clf, "--clusters", 4, "-o", plain, "--bench-runs", 1, "--seq-len", 8, "-q").exitCode())
                .isZero();
        CliRun run = CliRun.of("share", clf, "--clusters", 4, "-o", recovered, "--recover", "--data", train,
                "--epochs", 2, "--batch-size", 8, "--lr", "0.01", "--bench-runs", 1, "--seq-len", 8, "--json", "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(Json.mapper().readTree(run.out()).get("recovery").get("steps").asInt()).isEqualTo(8);
        OnnxModel before = OnnxFiles.load(plain);
        OnnxModel after = OnnxFiles.load(recovered);
        String codebook = before.graph().initializers().keySet().stream().filter(n -> n.endsWith(".codebook"))
                .findFirst().orElseThrow();
        String indices = codebook.replace(".codebook", ".indices");
        assertThat(after.graph().initializer(indices).orElseThrow().rawData())
                .isEqualTo(before.graph().initializer(indices).orElseThrow().rawData());
        float[] trained = after.graph().initializer(codebook).orElseThrow().toFloats();
        assertThat(trained).hasSize(4).isNotEqualTo(before.graph().initializer(codebook).orElseThrow().toFloats());
    }

    @Test
    void anOutputThatIsTheInputIsRefusedBeforeAnyTraining() throws IOException {
        byte[] before = Files.readAllBytes(encoder);
        CliRun run = CliRun.of("share", encoder, "--clusters", 4, "--recover", "--data", dir.resolve("never-read.tsv"),
                "-o", encoder);
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.errorLine()).contains("refusing to overwrite the input model");
        assertThat(Files.readAllBytes(encoder)).isEqualTo(before);
    }

    @Test
    void badOptionsAreOneLineAndWriteNothing() {
        Path out = dir.resolve("never.onnx");
        Object[][] cases = {{"--clusters", 0}, {"--clusters", 300}, {"--clusters", 8, "--init", "kmeans++"},
            {"--clusters", 8, "--include", "("}};
        String[] expected = {"nncj: --clusters must be in 1..255, got 0", "nncj: --clusters must be in 1..255, got 300",
            "nncj: --init must be linear, density or random, not 'kmeans++'",
            "nncj: --include '(' is not a valid regular expression: Unclosed group"};
        for (int i = 0; i < cases.length; i++) {
            Object[] args = new Object[4 + cases[i].length];
            args[0] = "share";
            args[1] = encoder;
            args[2] = "-o";
            args[3] = out;
            System.arraycopy(cases[i], 0, args, 4, cases[i].length);
            CliRun run = CliRun.of(args);
            assertThat(run.exitCode()).isEqualTo(2);
            assertThat(run.errorLine()).isEqualTo(expected[i]);
            assertThat(out).doesNotExist();
        }
        CliRun nothing = CliRun.of("share", encoder, "-o", out, "--clusters", 8, "--exclude", "MatMul");
        assertThat(nothing.errorLine()).startsWith("nncj: " + encoder + ": has no weights to cluster");
        assertThat(out).doesNotExist();
    }
}
