package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nncj.data.TinyTokenizer;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.TinyModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FineTuneCommandTest {
    @TempDir
    Path dir;

    private static final String[] FILLER = {"the", "sat", "on", "mat", "a", "."};

    /** Filler words around one "cat" (label 1) or "dog" (label 0). */
    static void catsAndDogs(Path file, int rows, long seed) throws IOException {
        Random r = new Random(seed);
        StringBuilder tsv = new StringBuilder("sentence\tlabel\n");
        for (int i = 0; i < rows; i++) {
            boolean cat = r.nextBoolean();
            int words = 2 + r.nextInt(5);
            int at = r.nextInt(words);
            StringBuilder s = new StringBuilder();
            for (int w = 0; w < words; w++) {
                s.append(w == at ? (cat ? "cat" : "dog") : FILLER[r.nextInt(FILLER.length)]).append(' ');
            }
            tsv.append(s.toString().trim()).append('\t').append(cat ? 1 : 0).append('\n');
        }
        Files.writeString(file, tsv);
    }

    private Path encoder() throws IOException {
        Path models = Files.createDirectories(dir.resolve("encoder"));
        TinyTokenizer.write(models);
        Path encoder = models.resolve("encoder.onnx");
        OnnxFiles.save(TinyModels.tokenEmbedder(TinyTokenizer.VOCABULARY_SIZE, 0.3f), encoder);
        catsAndDogs(dir.resolve("train.tsv"), 64, 1);
        catsAndDogs(dir.resolve("dev.tsv"), 40, 2);
        return encoder;
    }

    /** The written classifier, with its tokenizer beside it, is measured by ONNX Runtime on the eval set. */
    @Test
    void fineTunesWritesTheClassifierAndReportsOrtAccuracy() throws Exception {
        Path encoder = encoder();
        Path out = dir.resolve("out/clf.onnx");
        Files.createDirectories(out.getParent());
        CliRun run = CliRun.of("finetune", encoder, "--task", "text-classification", "--data", dir.resolve("train.tsv"),
                "--eval", dir.resolve("dev.tsv"), "-o", out, "--epochs", 12, "--batch-size", 8, "--lr", 0.05,
                "--weight-decay", 0, "--eval-every", 8, "--patience", 0, "--max-length", 16, "--json", "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(out).exists();
        assertThat(out.resolveSibling("tokenizer.json")).exists();
        JsonNode json = new ObjectMapper().readTree(run.out());
        assertThat(json.get("steps").asInt()).isEqualTo(96);
        assertThat(json.get("eval").get("value").asDouble()).isGreaterThanOrEqualTo(0.95);

        CliRun text = CliRun.of("finetune", encoder, "--data", dir.resolve("train.tsv"), "--eval", dir.resolve("dev.tsv"),
                "-o", dir.resolve("out/clf2.onnx"), "--epochs", 1, "--batch-size", 8, "--max-train", 16, "-q");
        assertThat(text.exitCode()).as(text.err()).isZero();
        assertThat(text.out()).contains("2 steps").contains("accuracy on dev.tsv (ONNX Runtime)");
    }

    /** One class is no classifier, whichever class it is: all-1 labels used to train (all-0 did not). */
    @Test
    void trainingLabelsOfASingleClassAreRefusedBeforeTraining() throws Exception {
        Path encoder = encoder();
        for (int label : new int[] {0, 1}) {
            Path train = Files.writeString(dir.resolve("single" + label + ".tsv"),
                    "sentence\tlabel\nthe cat\t" + label + "\na dog\t" + label + "\n");
            Path out = dir.resolve("clf" + label + ".onnx");
            CliRun run = CliRun.of("finetune", encoder, "--data", train, "--eval", dir.resolve("dev.tsv"), "-o", out, "-q");
            assertThat(run.exitCode()).isEqualTo(Nncj.EXIT_FAILURE);
            assertThat(run.errorLine()).isEqualTo("nncj: " + train + ": every training label is " + label
                    + "; labels must contain at least two classes to train a classifier");
            assertThat(out).doesNotExist();
        }
    }

    @Test
    void labelsThatDoNotFitAreOneLineAndNothingIsWritten() throws Exception {
        Path encoder = encoder();
        Files.writeString(dir.resolve("dev.tsv"), "sentence\tlabel\nthe cat\t1\nthe dog\t3\n");
        Path out = dir.resolve("clf.onnx");
        CliRun run = CliRun.of("finetune", encoder, "--data", dir.resolve("train.tsv"), "--eval", dir.resolve("dev.tsv"),
                "-o", out, "-q");
        assertThat(run.exitCode()).isNotZero();
        assertThat(run.errorLine()).contains("dev.tsv").contains("label 3 never occurs in training");
        assertThat(out).doesNotExist();

        CliRun self = CliRun.of("finetune", encoder, "--data", dir.resolve("train.tsv"), "--eval", dir.resolve("train.tsv"),
                "-o", encoder, "-q");
        assertThat(self.errorLine()).contains("refusing to overwrite the input");
    }
}
