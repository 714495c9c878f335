package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nncj.data.TinyTokenizer;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.TinyModels;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data file laid out as the public sets are (TREC, MR, SUBJ): no header, the label first, Latin-1
 * text. `finetune` and `eval` read it with flags, with no conversion.
 */
class DataFileOptionsCommandTest {
    @TempDir
    Path dir;

    Path encoder;
    Path trec;

    @BeforeEach
    void files() throws IOException {
        Path models = Files.createDirectories(dir.resolve("encoder"));
        TinyTokenizer.write(models);
        encoder = models.resolve("encoder.onnx");
        OnnxFiles.save(TinyModels.tokenEmbedder(TinyTokenizer.VOCABULARY_SIZE, 0.3f), encoder);
        // label first, then the text; line 3 holds the first byte that is not UTF-8 (é is 0xE9 in Latin-1)
        String rows = "1\tthe cat sat\n0\ta dog\n1\tthe caf\u00e9 cat\n0\ta dog on the mat\n1\tcats on a mat\n0\tthe dog sat\n"
                + "1\ta cat\n0\tdogs \u00e9t\u00e9\n";
        trec = Files.write(dir.resolve("trec.tsv"), rows.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void aHeaderlessLatin1FileFineTunesAndEvaluatesWithFlags() throws IOException {
        Path clf = dir.resolve("clf.onnx");
        CliRun tuned = CliRun.of("finetune", encoder, "--data", trec, "--eval", trec, "-o", clf,
                "--no-header", "--label-column", 0, "--text-column", 1, "--encoding", "latin-1",
                "--epochs", 1, "--batch-size", 8, "--max-length", 16, "--json", "-q");
        assertThat(tuned.exitCode()).as(tuned.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(tuned.out());
        assertThat(json.get("steps").asInt()).isEqualTo(1);
        assertThat(json.get("eval").get("n").asInt()).isEqualTo(8);

        CliRun eval = CliRun.of("eval", clf, "--task", "text-classification", "--data", trec,
                "--no-header", "--label-column", 0, "--text-column", 1, "--encoding", "latin-1", "--json", "-q");
        assertThat(eval.exitCode()).as(eval.err()).isZero();
        assertThat(new ObjectMapper().readTree(eval.out()).get("n").asInt()).isEqualTo(8);

        // the compression commands read --eval-data (and --data) the same way
        CliRun sparsified = CliRun.of("sparsify", clf, "-o", dir.resolve("sparse.onnx"), "--sparsity", 0.5,
                "--eval-data", trec, "--eval-task", "text-classification", "--no-header", "--label-column", 0,
                "--text-column", 1, "--encoding", "latin-1", "--bench-runs", 2, "--seq-len", 8, "-q");
        assertThat(sparsified.exitCode()).as(sparsified.err()).isZero();
        assertThat(sparsified.out()).contains("accuracy");
    }

    @Test
    void aFileThatIsNotUtf8IsNamedWithItsLineAndTheFlagThatReadsIt() {
        CliRun run = CliRun.of("eval", encoder, "--task", "text-classification", "--data", trec,
                "--no-header", "--label-column", 0, "--text-column", 1, "-q");
        assertThat(run.exitCode()).isEqualTo(Nncj.EXIT_FAILURE);
        assertThat(run.errorLine()).isEqualTo("nncj: " + trec + ":3: not valid UTF-8 (byte 0xE9); if the file is Latin-1"
                + " (ISO-8859-1), give --encoding latin-1");

        CliRun tuned = CliRun.of("finetune", encoder, "--data", trec, "--eval", trec, "-o", dir.resolve("x.onnx"),
                "--no-header", "--label-column", 0, "--text-column", 1, "-q");
        assertThat(tuned.exitCode()).isEqualTo(Nncj.EXIT_FAILURE);
        assertThat(tuned.errorLine()).contains(trec + ":3: not valid UTF-8").endsWith("give --encoding latin-1");
        assertThat(dir.resolve("x.onnx")).doesNotExist();
    }

    @Test
    void anUnknownEncodingIsAUsageError() {
        CliRun run = CliRun.of("eval", encoder, "--task", "text-classification", "--data", trec, "--encoding", "cp1252", "-q");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.errorLine()).contains("--encoding must be utf-8 or latin-1, not 'cp1252'");
    }
}
