package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nncj.ProgressListener;
import dev.nncj.data.ImageDataset;
import dev.nncj.data.SyntheticImages;
import dev.nncj.data.TinyTokenizer;
import dev.nncj.eval.EvalOptions;
import dev.nncj.eval.ImageClassificationEval;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.TinyModels;
import dev.nncj.train.finetune.ClassifierHead;
import dev.nncj.transformer.TinyEncoders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command that selects on data (weights kept, nodes kept in float) refuses to report on that
 * same data, whether it is passed twice or copied under another name (exit 2, one line naming both
 * files and their parts), and labels which set each figure comes from.
 */
class SelectionDataCommandsTest {
    @TempDir
    Path dir;

    Path dev;
    Path devCopy;
    Path test;
    Path train;

    @BeforeEach
    void data() throws IOException {
        TinyTokenizer.write(dir);
        train = dir.resolve("train.tsv");
        FineTuneCommandTest.catsAndDogs(train, 64, 1);
        dev = dir.resolve("dev.tsv");
        FineTuneCommandTest.catsAndDogs(dev, 40, 2);
        devCopy = Files.copy(dev, dir.resolve("dev-copy.tsv"));
        test = dir.resolve("test.tsv");
        FineTuneCommandTest.catsAndDogs(test, 40, 3);
    }

    /** Exit 2 and the one line naming the selection file and the test file with the options they came from. */
    private static void assertRefused(CliRun run, Path selection, String selectionOption, Path reported, String testOption,
                                      String how) {
        assertThat(run.exitCode()).as(run.err()).isEqualTo(2);
        assertThat(run.errorLine()).isEqualTo("nncj: " + selection + " (selection data, " + selectionOption + ") and " + reported
                + " (test data, " + testOption + ") " + how + ": a figure reported on the data that selected it is not a test"
                + " figure; keep the two apart");
    }

    private Path classifier(String name) {
        OnnxModel m = TinyModels.tokenEmbedder(TinyTokenizer.VOCABULARY_SIZE, 0.3f);
        ClassifierHead.attach(m, "last_hidden_state", 2, 1);
        Path file = dir.resolve(name);
        OnnxFiles.save(m, file);
        return file;
    }

    /** A 2-layer encoder classifier, the kind movement, factorize and share --recover train. */
    private Path encoderClassifier() {
        OnnxModel model = TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L), false);
        ClassifierHead.attach(model, "last_hidden_state", 2, 7);
        Path file = dir.resolve("enc-clf.onnx");
        OnnxFiles.save(model, file);
        return file;
    }

    @Test
    void finetuneRefusesItsEvalDataAsTestData() {
        Path out = dir.resolve("clf.onnx");
        for (Path reported : List.of(dev, devCopy)) {
            CliRun run = CliRun.of("finetune", dir.resolve("never-read.onnx"), "--data", train, "--eval", dev, "--test", reported,
                    "-o", out, "-q");
            assertRefused(run, dev, "--eval", reported, "--test", reported == dev ? "are the same file" : "have identical content");
        }
        assertThat(out).doesNotExist();
    }

    /**
     * The test file holds other sentences with every label flipped: a classifier right on dev is wrong
     * on test, so the two figures can only agree if one set were measured twice.
     */
    @Test
    void finetuneReportsTheTestFigureApartFromTheSelectionFigure() throws Exception {
        Path encoder = dir.resolve("encoder.onnx");
        OnnxFiles.save(TinyModels.tokenEmbedder(TinyTokenizer.VOCABULARY_SIZE, 0.3f), encoder);
        Path flipped = dir.resolve("flipped.tsv");
        List<String> lines = new ArrayList<>();
        for (String line : Files.readAllLines(test)) {
            lines.add(line.endsWith("\t1") ? line.replace("\t1", "\t0") : line.endsWith("\t0") ? line.replace("\t0", "\t1") : line);
        }
        Files.write(flipped, lines);
        Path out = dir.resolve("out/clf.onnx");
        Files.createDirectories(out.getParent());
        CliRun run = CliRun.of("finetune", encoder, "--data", train, "--eval", dev, "--test", flipped, "-o", out,
                "--epochs", 12, "--batch-size", 8, "--lr", 0.05, "--weight-decay", 0, "--eval-every", 8, "--patience", 0,
                "--max-length", 16, "--json", "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode json = Json.mapper().readTree(run.out());
        assertThat(json.get("eval").get("value").asDouble()).isGreaterThanOrEqualTo(0.95);
        assertThat(json.get("test").get("value").asDouble()).isLessThanOrEqualTo(0.05);
        assertThat(json.get("test").get("n").asInt()).isEqualTo(40);
        assertThat(json.get("data").get("selection").asText()).isEqualTo(dev.toString());
        assertThat(json.get("data").get("test").asText()).isEqualTo(flipped.toString());

        CliRun text = CliRun.of("finetune", encoder, "--data", train, "--eval", dev, "--test", flipped,
                "-o", dir.resolve("out/clf2.onnx"), "--epochs", 1, "--batch-size", 8, "--max-train", 16, "-q");
        assertThat(text.exitCode()).as(text.err()).isZero();
        assertThat(text.out()).contains("dev (selection) accuracy on dev.tsv (ONNX Runtime): ",
                "test accuracy on flipped.tsv (ONNX Runtime): ").doesNotContain("not a test figure");
        CliRun noTest = CliRun.of("finetune", encoder, "--data", train, "--eval", dev,
                "-o", dir.resolve("out/clf3.onnx"), "--epochs", 1, "--batch-size", 8, "--max-train", 16, "-q");
        assertThat(noTest.out()).contains("dev (selection) accuracy on dev.tsv", "note: no --test: the accuracy above is on the"
                + " data the weights were selected by, not a test figure").doesNotContain("test accuracy");
    }

    @Test
    void distillRefusesItsEvalDataAsTestOrEvalDataAndLabelsTheSets() throws Exception {
        Path teacher = classifier("teacher.onnx");
        Path student = classifier("student.onnx");
        Path out = dir.resolve("student-out.onnx");
        List<Object> base = List.of("distill", "--teacher", teacher, "--student", student, "--data", train, "--epochs", 2,
                "--batch-size", 8, "--lr", 0.05, "--max-length", 16, "--bench-runs", 2, "--seq-len", 8, "-o", out, "-q");
        List<Object> same = new ArrayList<>(base);
        same.addAll(List.of("--eval", dev, "--test", dev));
        assertRefused(CliRun.of(same.toArray()), dev, "--eval", dev, "--test", "are the same file");
        List<Object> copy = new ArrayList<>(base);
        copy.addAll(List.of("--eval", dev, "--eval-data", devCopy, "--eval-task", "text-classification"));
        assertRefused(CliRun.of(copy.toArray()), dev, "--eval", devCopy, "--eval-data", "have identical content");
        assertThat(out).doesNotExist();

        List<Object> apart = new ArrayList<>(base);
        apart.addAll(List.of("--eval", dev, "--test", test, "--eval-every", 4));
        CliRun run = CliRun.of(apart.toArray());
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("(selection accuracy on dev.tsv ", "data: selection " + dev
                + " (--eval: chose the student's weights kept), test " + test + " (--test: the test figures, never used to select)");
    }

    @Test
    void quantizeMaxDropRefusesItsSelectionDataAsEvalData() throws IOException {
        Path model = dir.resolve("fragile.onnx");
        OnnxFiles.save(QuantizeCommandTest.fragileClassifier(), model);
        Path out = dir.resolve("q.onnx");
        for (Path reported : List.of(dev, devCopy)) {
            CliRun run = CliRun.of("quantize", model, "-o", out, "--mode", "dynamic-int8", "--max-drop", 0.1, "--select-data", dev,
                    "--eval-data", reported, "--eval-task", "text-classification", "-q");
            assertRefused(run, dev, "--select-data", reported, "--eval-data",
                    reported == dev ? "are the same file" : "have identical content");
        }
        CliRun alone = CliRun.of("quantize", model, "-o", out, "--mode", "dynamic-int8", "--select-data", dev, "-q");
        assertThat(alone.exitCode()).isEqualTo(2);
        assertThat(alone.errorLine()).isEqualTo("nncj: --select-data is the selection data of --max-drop; give --max-drop X too");
        assertThat(out).doesNotExist();
    }

    /**
     * {@link QuantizeCommandTest#fragileClassifier}: int8 flips every "cat" and no "dog". Selection data
     * of dogs alone sees no drop, so nothing falls back; the test data's cats show the drop that choice
     * costs, and that figure, not the selection's 0, is the one reported as the test drop.
     */
    @Test
    void quantizeMaxDropReportsTheDropOnTheEvalDataApartFromTheSelectionDrop() throws IOException {
        Path model = dir.resolve("fragile.onnx");
        OnnxFiles.save(QuantizeCommandTest.fragileClassifier(), model);
        Path dogs = Files.writeString(dir.resolve("dogs.tsv"), "sentence\tlabel\ndog\t0\ndogs\t0\nthe dog\t0\na dog\t0\n");
        Path mixed = Files.writeString(dir.resolve("mixed.tsv"), "sentence\tlabel\ncat\t1\nthe cat\t1\ndog\t0\non the mat dog\t0\n");
        Path out = dir.resolve("md/clf.onnx");
        CliRun run = CliRun.of("quantize", model, "-o", out, "--mode", "dynamic-int8", "--max-drop", 0.1, "--select-data", dogs,
                "--eval-data", mixed, "--eval-task", "text-classification", "--bench-runs", 2, "--json", "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode json = Json.mapper().readTree(run.out());
        assertThat(json.get("quantized_nodes").asInt()).isEqualTo(1);
        assertThat(json.get("selection_drop").asDouble()).isZero();
        assertThat(json.get("test_drop").asDouble()).isEqualTo(0.5);
        assertThat(json.get("metric_after").get("accuracy").asDouble()).isEqualTo(0.5);
        assertThat(json.get("data").get("selection").asText()).isEqualTo(dogs.toString());
        assertThat(json.get("data").get("test").asText()).isEqualTo(mixed.toString());

        CliRun text = CliRun.of("quantize", model, "-o", dir.resolve("md/clf2.onnx"), "--mode", "dynamic-int8", "--max-drop", 0.1,
                "--select-data", dogs, "--eval-data", mixed, "--eval-task", "text-classification", "--bench-runs", 2, "-q");
        assertThat(text.out()).contains("max drop 0.1000, on the selection data: accuracy drop 0.0000 with every node quantized",
                "drop in accuracy: 0.0000 on the selection data (dogs.tsv, --select-data: chose the nodes kept in float), 0.5000 on"
                        + " the test data (mixed.tsv, --eval-data)");
    }

    @Test
    void movementRefusesItsRecoverEvalAsEvalData() {
        Path clf = encoderClassifier();
        Path out = dir.resolve("moved.onnx");
        for (Path reported : List.of(dev, devCopy)) {
            CliRun run = CliRun.of("movement", clf, "-o", out, "--remaining", 0.5, "--data", train, "--recover-eval", dev,
                    "--eval-data", reported, "--eval-task", "text-classification", "-q");
            assertRefused(run, dev, "--recover-eval", reported, "--eval-data",
                    reported == dev ? "are the same file" : "have identical content");
        }
        assertThat(out).doesNotExist();
    }

    @Test
    void factorizeAndShareRecoveryRefuseTheirRecoverEvalAsEvalData() {
        Path clf = encoderClassifier();
        Path out = dir.resolve("small.onnx");
        CliRun factorize = CliRun.of("factorize", clf, "-o", out, "--rank-ratio", 0.25, "--recover", "--data", train,
                "--recover-eval", dev, "--eval-data", dev, "--eval-task", "text-classification", "-q");
        assertRefused(factorize, dev, "--recover-eval", dev, "--eval-data", "are the same file");
        CliRun clusters = CliRun.of("share", clf, "--clusters", 4, "-o", out, "--recover", "--data", train,
                "--recover-eval", dev, "--eval-data", devCopy, "--eval-task", "text-classification", "-q");
        assertRefused(clusters, dev, "--recover-eval", devCopy, "--eval-data", "have identical content");
        CliRun crossLayer = CliRun.of("share", clf, "--cross-layer", "-o", out, "--recover", "--data", train,
                "--recover-eval", dev, "--eval-data", dev, "--eval-task", "text-classification", "-q");
        assertRefused(crossLayer, dev, "--recover-eval", dev, "--eval-data", "are the same file");
        assertThat(out).doesNotExist();
    }

    @Test
    void shareRecoveryLabelsTheSetOfItsKeptWeightsAndOfItsMetric() throws IOException {
        Path clf = encoderClassifier();
        Path out = dir.resolve("shared.onnx");
        CliRun run = CliRun.of("share", clf, "--clusters", 4, "-o", out, "--recover", "--data", train, "--recover-eval", dev,
                "--eval-data", test, "--eval-task", "text-classification", "--epochs", 1, "--batch-size", 16, "--eval-every", 2,
                "--max-length", 16, "--bench-runs", 1, "--seq-len", 8, "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("data: selection " + dev + " (--recover-eval: chose the weights kept), test " + test
                + " (--eval-data: the test figures, never used to select)");
    }

    @Test
    void imageCommandsRefuseTheTrainingImagesAsTestImages() throws IOException {
        SyntheticImages.IdxPair images = SyntheticImages.write(dir, "train", 16, 1);
        Path copy = Files.copy(images.images(), dir.resolve("copy-images.idx"));
        Path model = dir.resolve("never.onnx");
        Path packed = dir.resolve("never.nncj");
        for (Path reported : List.of(images.images(), copy)) {
            String how = reported == copy ? "have identical content" : "are the same file";
            CliRun train = CliRun.of("train", "--arch", "lenet-300-100", "--images", images.images(), "--labels", images.labels(),
                    "--test-images", reported, "--test-labels", images.labels(), "-o", model, "-q");
            CliRun compress = CliRun.of("deep-compress", model, "--images", images.images(), "--labels", images.labels(),
                    "--test-images", reported, "--test-labels", images.labels(), "-o", packed, "-q");
            for (CliRun run : List.of(train, compress)) {
                assertThat(run.exitCode()).as(run.err()).isEqualTo(2);
                assertThat(run.errorLine()).isEqualTo("nncj: " + images.images() + " (training data, --images) and " + reported
                        + " (test data, --test-images) " + how + ": a figure reported on the data that selected it is not a test"
                        + " figure; keep the two apart");
            }
        }
        assertThat(model).doesNotExist();
        assertThat(packed).doesNotExist();
    }

    /**
     * In the training file, exactly the images the split holds out are mislabelled (quadrant q labelled
     * q + 1): a model trained on clean data is right on the test set and on the images trained on, and
     * wrong on those alone. So the validation column reads near 0 only if it is measured on exactly the
     * held-out images (on the whole file it would read about 0.8, on the test set about 1).
     */
    @Test
    void deepCompressMeasuresEveryStageOnTheValidationSplitAndOnTheTestSet() throws Exception {
        SyntheticImages.IdxPair clean = SyntheticImages.write(dir, "clean", 384, 1);
        SyntheticImages.IdxPair testSet = SyntheticImages.write(dir, "test", 128, 2);
        Path model = dir.resolve("mlp.onnx");
        assertThat(CliRun.of("train", "--arch", "lenet-300-100", "--images", clean.images(), "--labels", clean.labels(),
                "--epochs", 3, "--batch-size", 64, "-o", model, "-q").exitCode()).isZero();
        SyntheticImages.IdxPair other = SyntheticImages.write(dir, "other", 320, 5);
        ImageDataset cleanOther = ImageDataset.load(other.images(), other.labels());
        ImageDataset heldOut = cleanOther.holdOut(64).validation(); // the split depends on the count alone, not the labels
        byte[] rotated = new byte[cleanOther.size()];
        int mislabelled = 0;
        for (int i = 0; i < cleanOther.size(); i++) {
            boolean held = false;
            for (int j = 0; j < heldOut.size() && !held; j++) {
                held = java.util.Arrays.equals(cleanOther.pixels(i), heldOut.pixels(j));
            }
            mislabelled += held ? 1 : 0;
            rotated[i] = (byte) ((cleanOther.label(i) + (held ? 1 : 0)) % 4);
        }
        assertThat(mislabelled).isEqualTo(64);
        Path rotatedLabels = Files.write(dir.resolve("rotated-labels.idx"),
                SyntheticImages.idx(0x00000801, new int[] {rotated.length}, rotated));

        Path packed = dir.resolve("mlp.nncj");
        CliRun run = CliRun.of("deep-compress", model, "--images", other.images(), "--labels", rotatedLabels, "--validation", 64,
                "--test-images", testSet.images(), "--test-labels", testSet.labels(), "--sparsity", 0.9, "--prune-steps", 1,
                "--retrain-epochs", 1, "--recover-epochs", 1, "--clusters", 16, "--batch-size", 64, "-o", packed, "--json", "-q");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode json = Json.mapper().readTree(run.out());
        assertThat(json.get("validation_examples").asInt()).isEqualTo(64);
        assertThat(json.get("train_examples").asInt()).isEqualTo(256);
        assertThat(json.get("data").get("selection").asText()).isEqualTo("validation split of " + other.images());
        ImageDataset validation = ImageDataset.load(other.images(), rotatedLabels).holdOut(64).validation();
        JsonNode fp32 = json.get("stages").get(0);
        assertThat(fp32.get("validation_accuracy").asDouble())
                .isEqualTo(ImageClassificationEval.run(model, validation, EvalOptions.defaults(), ProgressListener.NONE).value())
                .isLessThan(0.1);
        assertThat(fp32.get("test_accuracy").asDouble()).isGreaterThan(0.9);
        for (JsonNode stage : json.get("stages")) {
            assertThat(stage.get("validation_accuracy").isNumber()).as(stage.toString()).isTrue();
            assertThat(stage.get("test_accuracy").isNumber()).as(stage.toString()).isTrue();
        }

        CliRun text = CliRun.of("deep-compress", model, "--images", clean.images(), "--labels", clean.labels(),
                "--test-images", testSet.images(), "--test-labels", testSet.labels(), "--sparsity", 0.9, "--prune-steps", 1,
                "--retrain-epochs", 1, "--recover-epochs", 1, "--clusters", 16, "--batch-size", 64, "-o", dir.resolve("t.nncj"), "-q");
        assertThat(text.exitCode()).as(text.err()).isZero();
        assertThat(text.out()).containsPattern("stage +size +ratio +val acc +test acc")
                .contains("data: val acc on 38 images held out of clean-images.idx (--validation, a seeded split, never trained on):"
                        + " choose recipes by it; test acc on test-images.idx (--test-images), for reporting only");
        CliRun tooMany = CliRun.of("deep-compress", model, "--images", clean.images(), "--labels", clean.labels(),
                "--validation", 384, "--test-images", testSet.images(), "--test-labels", testSet.labels(), "-o", dir.resolve("x.nncj"));
        assertThat(tooMany.exitCode()).isEqualTo(2);
        assertThat(tooMany.errorLine()).isEqualTo("nncj: --validation must be in 0..383 (" + clean.images() + " has 384 images), not 384");
    }
}
