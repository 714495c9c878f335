package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OrtSession;
import dev.nncj.ProgressListener;
import dev.nncj.data.SentenceFile;
import dev.nncj.data.TextTokenizer;
import dev.nncj.data.TinyTokenizer;
import dev.nncj.data.TokenizerOptions;
import dev.nncj.export.OrtFormatExport;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.TinyModels;
import dev.nncj.runtime.OrtSessions;
import dev.nncj.runtime.RuntimeOptions;
import dev.nncj.zoo.ModelZoo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** nncj export --format ort: a file ONNX Runtime loads, checked against the ONNX model, refused inputs leave nothing. */
class ExportCommandTest {
    @TempDir
    Path dir;

    Path classifier;
    Path sentences;

    @BeforeEach
    void models() throws IOException {
        classifier = dir.resolve("clf.onnx");
        OnnxFiles.save(TinyModels.bagOfWordsClassifier(TinyTokenizer.VOCABULARY_SIZE), classifier);
        TinyTokenizer.write(dir);
        sentences = Files.writeString(dir.resolve("s.tsv"), "sentence\tlabel\nthe cat\t1\na dog\t0\ndogs\t0\n");
    }

    @Test
    void writesAnOrtFileCheckedOnTheSentences() throws Exception {
        Path out = dir.resolve("mobile/clf.ort");
        CliRun run = CliRun.of("export", classifier, "--format", "ort", "-o", out, "--data", sentences, "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains(out + ": ORT format", "basic graph optimizations",
                "on 3 sentences of s.tsv its outputs [logits]");
        assertThat(out.resolveSibling("tokenizer.json")).exists(); // the app needs it beside the model
        // FlatBuffers file identifier "ORTM" at bytes 4..7, not an ONNX protobuf
        assertThat(new String(Files.readAllBytes(out), 4, 4, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("ORTM");
        try (OrtSession session = OrtSessions.openOrtFormat(out, RuntimeOptions.defaults())) {
            assertThat(session.getOutputNames()).containsExactly("logits");
        }
    }

    @Test
    void withoutDataTheCheckRunsOnSynthesizedInputs() {
        Path linear = dir.resolve("linear.onnx");
        OnnxFiles.save(TinyModels.linearRelu(), linear);
        CliRun run = CliRun.of("export", linear, "--format", "ort", "-o", dir.resolve("linear.ort"), "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("on 8 synthesized inputs");
        assertThat(dir.resolve("linear.ort")).isNotEmptyFile();
    }

    @Test
    void refusesBadRequestsInOneLineBeforeAnyWorkAndLeavesNothing() throws IOException {
        List<Path> before = files();
        CliRun wrongFormat = CliRun.of("export", classifier, "--format", "tflite", "-o", dir.resolve("m.ort"));
        assertThat(wrongFormat.exitCode()).isEqualTo(2);
        assertThat(wrongFormat.errorLine()).isEqualTo("nncj: --format must be ort, not 'tflite'");

        CliRun wrongExtension = CliRun.of("export", classifier, "--format", "ort", "-o", dir.resolve("m.onnx"));
        assertThat(wrongExtension.exitCode()).isEqualTo(1);
        assertThat(wrongExtension.errorLine()).isEqualTo("nncj: " + dir.resolve("m.onnx")
                + ": the output is an ORT-format model; name it OUT.ort");

        Path blocker = Files.writeString(dir.resolve("blocker"), "a file, not a folder");
        CliRun folderIsAFile = CliRun.of("export", classifier, "--format", "ort", "-o", blocker.resolve("m.ort"));
        assertThat(folderIsAFile.exitCode()).isEqualTo(1);
        assertThat(folderIsAFile.errorLine()).startsWith("nncj: " + blocker.resolve("m.ort") + ": its folder");

        Path notAModel = Files.writeString(dir.resolve("text.onnx"), "not a model");
        CliRun garbage = CliRun.of("export", notAModel, "--format", "ort", "-o", dir.resolve("g.ort"));
        assertThat(garbage.exitCode()).isEqualTo(1);
        assertThat(garbage.errorLine()).startsWith("nncj: " + notAModel + ": is not an ONNX model");

        CliRun noTokenizer = CliRun.of("export", classifier, "--format", "ort", "-o", dir.resolve("t.ort"),
                "--data", sentences, "--tokenizer", dir.resolve("missing.json"));
        assertThat(noTokenizer.exitCode()).isEqualTo(1);
        assertThat(noTokenizer.errorLine()).startsWith("nncj: " + dir.resolve("missing.json") + ": file not found");

        Files.delete(blocker);
        Files.delete(notAModel);
        assertThat(files()).isEqualTo(before); // no .ort, no temporary file, no folder
    }

    /** The bar on the real encoder: the ORT file's hidden states match the ONNX model's within 1e-5 on SST-2. */
    @Test
    void miniLmInOrtFormatMatchesOnSst2Sentences() throws IOException {
        ModelZoo.Fetched minilm = ModelZoo.get("all-minilm-l6-v2", dir.resolve("minilm"), ProgressListener.NONE);
        List<String> sst2 = SentenceFile.read(Path.of("../data/sst2/test.tsv")).subList(0, 32); // shipped in the repository
        try (TextTokenizer tokenizer = TextTokenizer.load(minilm.tokenizerFile(), TokenizerOptions.defaults())) {
            OrtFormatExport.Result result = OrtFormatExport.export(minilm.modelFile(), dir.resolve("minilm.ort"),
                    new OrtFormatExport.Sentences(sst2, tokenizer), ProgressListener.NONE);
            assertThat(result.samples()).isEqualTo(32);
            assertThat(result.outputs()).containsExactly("last_hidden_state");
            assertThat(result.maxAbsDifference()).isLessThanOrEqualTo(OrtFormatExport.TOLERANCE);
            assertThat(result.bytes()).isBetween(80_000_000L, 100_000_000L); // fp32 weights, as in the .onnx
        }
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            return all.filter(p -> !p.getFileName().toString().startsWith("minilm")).sorted().toList();
        }
    }
}
