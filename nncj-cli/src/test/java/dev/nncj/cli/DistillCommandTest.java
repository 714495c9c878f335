package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nncj.data.TinyTokenizer;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.TinyModels;
import dev.nncj.provenance.Provenance;
import dev.nncj.train.finetune.ClassifierHead;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DistillCommandTest {
    @TempDir
    Path dir;

    private Path teacher;
    private Path student;

    /** Bag-of-embeddings classifiers (2 classes) beside TinyTokenizer; cats-and-dogs train/dev/test sets. */
    @BeforeEach
    void setUp() throws IOException {
        TinyTokenizer.write(dir);
        FineTuneCommandTest.catsAndDogs(dir.resolve("train.tsv"), 64, 1);
        FineTuneCommandTest.catsAndDogs(dir.resolve("dev.tsv"), 40, 2);
        FineTuneCommandTest.catsAndDogs(dir.resolve("test.tsv"), 40, 3);
        teacher = classifier("teacher.onnx", 0.3f, 1);
        student = classifier("student.onnx", 1.5f, 7);
    }

    private Path classifier(String name, float noise, long seed) {
        OnnxModel m = TinyModels.tokenEmbedder(TinyTokenizer.VOCABULARY_SIZE, noise);
        ClassifierHead.attach(m, "last_hidden_state", 2, seed);
        Path file = dir.resolve(name);
        OnnxFiles.save(m, file);
        return file;
    }

    private CliRun distill(Object... more) {
        Object[] base = {"distill", "--teacher", teacher, "--student", student, "--data", dir.resolve("train.tsv"),
            "--epochs", 2, "--batch-size", 8, "--lr", 0.05, "--max-length", 16, "--bench-runs", 3, "-q"};
        Object[] all = new Object[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return CliRun.of(all);
    }

    /** JSON with the teacher/student table measured by ONNX Runtime; the student carries its provenance. */
    @Test
    void writesTheStudentWithProvenanceAndReportsTeacherAgainstStudent() throws Exception {
        Path out = dir.resolve("out/student.onnx");
        Files.createDirectories(out.getParent());
        CliRun run = distill("--eval", dir.resolve("dev.tsv"), "--test", dir.resolve("test.tsv"), "--eval-every", 4,
                "-o", out, "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(run.out());
        assertThat(json.get("steps").asInt()).isEqualTo(16);
        assertThat(json.get("last_loss").asDouble()).isLessThan(json.get("first_loss").asDouble());
        assertThat(json.get("metric_before").get("n").asInt()).isEqualTo(40);
        assertThat(json.get("metric_after").get("n").asInt()).isEqualTo(40);
        assertThat(out.resolveSibling("tokenizer.json")).exists();
        String steps = OnnxFiles.load(out).metadata().get(Provenance.STEPS);
        assertThat(steps).contains("\"step\":\"distill\"").contains("teacher.onnx").contains("student.onnx")
                .contains("\"hard_weight\":1.0").contains("\"temperature\":2.0");

        CliRun text = distill("--teacher", student, "-o", dir.resolve("out/ensemble.onnx"), "--test", dir.resolve("test.tsv"));
        assertThat(text.exitCode()).as(text.err()).isZero();
        assertThat(text.out()).contains("distilled from teacher.onnx and 1 more").contains("16 steps");
    }

    /**
     * A student derived from a PyTorch-style 4-layer classifier (lifted with its head, re-emitted for
     * the per-layer terms): 2 layers, smaller and faster by ONNX Runtime; a layer map out of range is
     * one line and writes nothing.
     */
    @Test
    void derivesAStudentFromTheTeachersLayersWithHiddenAndAttentionTerms() throws Exception {
        OnnxModel m = dev.nncj.transformer.TinyEncoders.build(dev.nncj.transformer.TinyEncoders.Style.PYTORCH,
                java.util.List.of(1L, 2L, 3L, 4L), false);
        ClassifierHead.attach(m, "last_hidden_state", 2, 1);
        Path deep = dir.resolve("deep.onnx");
        OnnxFiles.save(m, deep);
        Path out = dir.resolve("small.onnx");
        CliRun run = CliRun.of("distill", "--teacher", deep, "--student-layers", "0,2", "--data", dir.resolve("train.tsv"),
                "--hidden-weight", 1, "--attention-weight", 1, "--layer-map", "0:1,1:3", "--lr", 0.01, "--batch-size", 8,
                "--max-length", 16, "--test", dir.resolve("test.tsv"), "--bench-runs", 3, "--seq-len", 8, "-o", out, "-q", "--json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(run.out());
        assertThat(json.get("student_layers").toString()).isEqualTo("[0,2]");
        assertThat(json.get("layer_map").toString()).isEqualTo("{\"0\":1,\"1\":3}");
        assertThat(json.get("bytes_after").asLong()).isLessThan(json.get("bytes_before").asLong());
        assertThat(OnnxFiles.load(out).graph().outputs()).extracting(v -> v.getName()).containsExactly("logits");
        assertThat(OnnxFiles.load(out).metadata().get(Provenance.STEPS)).contains("\"layer_map\":{\"0\":1,\"1\":3}")
                .contains("derived from the teacher").contains("\"step\":\"derive_student\",\"options\":{\"layers\":[0,2]}");

        Path never = dir.resolve("never.onnx");
        CliRun bad = CliRun.of("distill", "--teacher", deep, "--student-layers", "0,2", "--data", dir.resolve("train.tsv"),
                "--hidden-weight", 1, "--layer-map", "0:1,2:3", "-o", never, "-q");
        assertThat(bad.exitCode()).isEqualTo(Nncj.EXIT_FAILURE);
        assertThat(bad.errorLine()).isEqualTo("nncj: layer map 2:3: student layer 2 is out of range (the student has layers 0..1)");
        assertThat(never).doesNotExist();
    }

    /** Rewritten sentences join the training text, labelled by the teacher: more steps, no hard labels. */
    @Test
    void augmentationAddsRewrittenSentencesLabelledByTheTeacher() throws Exception {
        OnnxModel m = dev.nncj.transformer.TinyEncoders.build(dev.nncj.transformer.TinyEncoders.Style.PYTORCH,
                java.util.List.of(1L, 2L), false);
        ClassifierHead.attach(m, "last_hidden_state", 2, 1);
        Path deep = dir.resolve("deep.onnx");
        OnnxFiles.save(m, deep);
        Object[] common = {"distill", "--teacher", deep, "--student-layers", "0", "--data", dir.resolve("train.tsv"),
            "--batch-size", 8, "--max-length", 16, "--bench-runs", 3, "--seq-len", 8, "-q", "--json"};
        CliRun plain = CliRun.of(with(common, "-o", dir.resolve("plain.onnx")));
        CliRun augmented = CliRun.of(with(common, "-o", dir.resolve("augmented.onnx"), "--augment", 2));
        assertThat(plain.exitCode()).as(plain.err()).isZero();
        assertThat(augmented.exitCode()).as(augmented.err()).isZero();
        int plainSteps = new ObjectMapper().readTree(plain.out()).get("steps").asInt();
        assertThat(plainSteps).isEqualTo(8); // 64 sentences, batches of 8
        assertThat(new ObjectMapper().readTree(augmented.out()).get("steps").asInt()).isGreaterThan(plainSteps);
        assertThat(OnnxFiles.load(dir.resolve("augmented.onnx")).metadata().get(Provenance.STEPS))
                .contains("\"hard_weight\":0.0");

        Path refused = dir.resolve("refused.onnx");
        CliRun bad = CliRun.of(with(common, "-o", refused, "--augment", 2, "--hard-weight", 1));
        assertThat(bad.exitCode()).isEqualTo(Nncj.EXIT_USAGE);
        assertThat(bad.errorLine()).contains("--augment").contains("--hard-weight must be 0");
        assertThat(refused).doesNotExist();
    }

    private static Object[] with(Object[] base, Object... more) {
        Object[] all = java.util.Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    @Test
    void unlabeledTextNeedsHardWeightZero() throws Exception {
        Path text = Files.writeString(dir.resolve("text.txt"), "the cat sat\na dog\nthe mat\ncats on a mat .\n");
        Path out = dir.resolve("student-out.onnx");
        CliRun ok = CliRun.of("distill", "--teacher", teacher, "--student", student, "--data", text, "-o", out,
                "--max-length", 16, "--bench-runs", 3, "-q");
        assertThat(ok.exitCode()).as(ok.err()).isZero();
        assertThat(out).exists();

        Path refused = dir.resolve("refused.onnx");
        CliRun bad = CliRun.of("distill", "--teacher", teacher, "--student", student, "--data", text, "-o", refused,
                "--hard-weight", 1, "-q");
        assertThat(bad.exitCode()).isEqualTo(Nncj.EXIT_FAILURE);
        assertThat(bad.errorLine()).contains("text.txt").contains("hard-label weight must be 0");
        assertThat(refused).doesNotExist();
    }

    @Test
    void badInputIsOneLineAndWritesNothing() throws Exception {
        Path out = dir.resolve("never.onnx");
        Files.writeString(dir.resolve("bad.tsv"), "sentence\tlabel\nthe cat\t1\nthe dog\t5\n");
        CliRun labels = CliRun.of("distill", "--teacher", teacher, "--student", student, "--data", dir.resolve("bad.tsv"),
                "-o", out, "-q");
        assertThat(labels.exitCode()).isEqualTo(Nncj.EXIT_FAILURE);
        assertThat(labels.errorLine()).contains("bad.tsv").contains("label 5 does not fit the teacher's 2 classes");

        CliRun map = CliRun.of("distill", "--teacher", teacher, "--student", student, "--data", dir.resolve("train.tsv"),
                "-o", out, "--layer-map", "0:1,x", "-q");
        assertThat(map.exitCode()).isEqualTo(Nncj.EXIT_FAILURE);
        assertThat(map.errorLine()).contains("--layer-map: 'x' is not STUDENT:TEACHER");

        CliRun both = CliRun.of("distill", "--teacher", teacher, "--data", dir.resolve("train.tsv"), "-o", out, "-q");
        assertThat(both.errorLine()).contains("give either --student S.onnx or --student-layers");

        Path encoder = dir.resolve("encoder.onnx");
        OnnxFiles.save(TinyModels.tokenEmbedder(TinyTokenizer.VOCABULARY_SIZE, 0.3f), encoder);
        CliRun incomparable = CliRun.of("distill", "--teacher", teacher, "--student", encoder, "--data",
                dir.resolve("train.tsv"), "-o", out, "-q");
        assertThat(incomparable.exitCode()).isEqualTo(Nncj.EXIT_FAILURE);
        assertThat(incomparable.errorLine()).contains("encoder.onnx").contains("none comparable with the teacher's logits");

        CliRun diverged = CliRun.of("distill", "--teacher", teacher, "--student", student, "--data",
                dir.resolve("train.tsv"), "-o", out, "--lr", 1e36, "--warmup", 0, "--max-length", 16, "-q");
        assertThat(diverged.exitCode()).isNotZero();
        assertThat(diverged.errorLine()).containsPattern("loss is (NaN|Infinity) at step \\d+");

        CliRun self = distill("-o", student);
        assertThat(self.errorLine()).contains("refusing to overwrite an input model");
        assertThat(out).doesNotExist();
    }
}
