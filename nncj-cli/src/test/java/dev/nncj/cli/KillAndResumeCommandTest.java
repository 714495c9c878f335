package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nncj.data.TinyTokenizer;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.onnx.TinyModels;
import dev.nncj.train.finetune.ClassifierHead;
import dev.nncj.train.trainer.StopRequest;
import dev.nncj.transformer.TinyEncoders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training commands stopped as SIGTERM stops them: one line saying where the checkpoint is and how to
 * continue, exit 143, and --resume ending with the weights of an uninterrupted run; the checkpoint
 * folder goes once the result is saved.
 */
class KillAndResumeCommandTest {
    @TempDir
    Path dir;

    private Path encoder() throws IOException {
        TinyTokenizer.write(dir);
        FineTuneCommandTest.catsAndDogs(dir.resolve("train.tsv"), 64, 1);
        FineTuneCommandTest.catsAndDogs(dir.resolve("dev.tsv"), 40, 2);
        Path encoder = dir.resolve("encoder.onnx");
        OnnxFiles.save(TinyModels.tokenEmbedder(TinyTokenizer.VOCABULARY_SIZE, 0.3f), encoder);
        return encoder;
    }

    private List<Object> finetune(Path encoder, Path out, int epochs) {
        return List.of("finetune", encoder, "--data", dir.resolve("train.tsv"), "--eval", dir.resolve("dev.tsv"), "-o", out,
                "--epochs", epochs, "--batch-size", 8, "--lr", 0.05, "--eval-every", 20, "--patience", 0, "--max-length", 16);
    }

    private static List<Object> with(List<Object> args, Object... more) {
        List<Object> all = new ArrayList<>(args);
        all.addAll(List.of(more));
        return all;
    }

    private static void assertSameWeights(Path actual, Path expected) {
        OnnxModel a = OnnxFiles.load(actual);
        OnnxModel e = OnnxFiles.load(expected);
        assertThat(a.graph().initializers().keySet()).isEqualTo(e.graph().initializers().keySet());
        for (Tensor t : e.graph().initializers().values()) {
            assertThat(a.graph().initializer(t.name()).orElseThrow().rawData()).as(t.name()).isEqualTo(t.rawData());
        }
    }

    private static List<String> names(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /**
     * {@code nncj finetune} in a JVM of its own, sent SIGTERM (Process.destroy) once its first
     * checkpoint shows it is training: exit 143 without a native crash (no hs_err file), one line
     * naming the checkpoint, nothing in its java.io.tmpdir, no output; resumed, the same classifier
     * as an uninterrupted run, and the checkpoint folder gone.
     */
    @Test
    void sigtermStopsFineTuningAtAStepAndResumeEndsWithTheUninterruptedWeights() throws Exception {
        Path encoder = encoder();
        Path work = Files.createDirectories(dir.resolve("work"));
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        Path out = dir.resolve("clf.onnx");
        Path folder = dir.resolve("clf.onnx.checkpoint");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-Djava.io.tmpdir=" + tmp, "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"),
                Nncj.class.getName()));
        List<Object> args = finetune(encoder, out, 100); // 800 steps: far more than it takes to send the signal
        args.forEach(a -> command.add(String.valueOf(a)));
        Process child = new ProcessBuilder(command).directory(work.toFile())
                .redirectOutput(dir.resolve("child.out").toFile()).redirectError(dir.resolve("child.err").toFile()).start();
        try {
            while (!hasCheckpoint(folder)) {
                assertThat(child.isAlive()).as("training before the signal: " + Files.readString(dir.resolve("child.err")))
                        .isTrue();
                Thread.sleep(10);
            }
            child.destroy(); // SIGTERM
            assertThat(child.waitFor(3, TimeUnit.MINUTES)).isTrue();
        } finally {
            child.destroyForcibly();
        }
        String err = Files.readString(dir.resolve("child.err"));
        assertThat(child.exitValue()).as(err).isEqualTo(143);
        assertThat(err).contains("nncj: checkpoints go to " + folder + " (SIGTERM or Ctrl-C stops at the next step and keeps"
                        + " one; continue with --resume " + folder + ")")
                .containsPattern("nncj: training stopped on request at step \\d+ of 800; its checkpoint is in "
                        + java.util.regex.Pattern.quote(folder + "; continue with the same command and --resume " + folder));
        assertThat(names(work)).as("no hs_err file").isEmpty();
        assertThat(names(tmp)).as("nothing in java.io.tmpdir").isEmpty();
        assertThat(out).doesNotExist();
        assertThat(names(folder)).hasSize(2).contains("run.properties");

        CliRun resumed = CliRun.of(with(args, "--resume", folder).toArray());
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(resumed.out()).contains("800 steps");
        assertThat(folder).doesNotExist();
        Path straight = dir.resolve("straight.onnx");
        CliRun uninterrupted = CliRun.of(finetune(encoder, straight, 100).toArray());
        assertThat(uninterrupted.exitCode()).as(uninterrupted.err()).isZero();
        assertSameWeights(out, straight);
        assertThat(dir.resolve("straight.onnx.checkpoint")).doesNotExist();
    }

    private static boolean hasCheckpoint(Path folder) throws IOException {
        return Files.isDirectory(folder) && names(folder).stream().anyMatch(n -> n.matches("\\d{6}"));
    }

    /**
     * Distillation stopped (the request made before it starts, so it stops at its first step
     * boundary): exit 143 and the one line; another run's options, a folder that is no checkpoint,
     * and a fresh run over an interrupted run's folder are refused in one line; --resume then ends
     * where an uninterrupted run does.
     */
    @Test
    void aStoppedDistillationIsResumedOnlyByTheSameRun() throws IOException {
        encoder();
        Path teacher = classifier("teacher.onnx", 0.3f, 1);
        Path student = classifier("student.onnx", 1.5f, 7);
        Path out = dir.resolve("student-out.onnx");
        Path folder = dir.resolve("student-out.onnx.checkpoint");
        List<Object> common = List.of("distill", "--teacher", teacher, "--student", student, "--data",
                dir.resolve("train.tsv"), "--eval", dir.resolve("dev.tsv"), "--eval-every", 4, "--epochs", 2, "--batch-size", 8,
                "--max-length", 16, "--bench-runs", 2, "-q");
        List<Object> args = with(common, "--lr", 0.05, "-o", out);

        StopRequest.request();
        CliRun stopped = CliRun.of(args.toArray());
        assertThat(stopped.exitCode()).isEqualTo(143);
        // with -q the folder is not announced when training starts; the stop names it
        assertThat(stopped.errorLine()).isEqualTo("nncj: training stopped on request at step 0 of 16; its checkpoint is in "
                + folder + "; continue with the same command and --resume " + folder);
        assertThat(out).doesNotExist();

        CliRun other = CliRun.of(with(common, "--lr", 0.01, "-o", out, "--resume", folder).toArray());
        assertThat(other.exitCode()).isEqualTo(1);
        assertThat(other.errorLine()).isEqualTo("nncj: " + folder + ": is the checkpoint of another run: its options, input"
                + " model or data differ from this one's (give exactly the command that started it)");
        CliRun none = CliRun.of(with(args, "--resume", dir).toArray());
        assertThat(none.errorLine()).isEqualTo("nncj: " + dir + ": is not a checkpoint folder (no run.properties)");
        CliRun fresh = CliRun.of(args.toArray());
        assertThat(fresh.exitCode()).isEqualTo(1);
        assertThat(fresh.errorLine()).isEqualTo("nncj: " + folder + ": holds the checkpoint of an interrupted run: continue"
                + " that run from it, or delete the folder to start over");

        CliRun resumed = CliRun.of(with(args, "--resume", folder).toArray());
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(folder).doesNotExist();
        Path straight = dir.resolve("straight.onnx");
        assertThat(CliRun.of(with(args.subList(0, args.size() - 2), "-o", straight).toArray()).exitCode()).isZero();
        assertSameWeights(out, straight);
    }

    /** --recover's training (factorize here) stops and resumes the same way; --resume without training is a usage error. */
    @Test
    void recoveryIsStoppedAndResumedAndResumeWithoutTrainingIsRefused() throws IOException {
        encoder();
        OnnxModel classifier = TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L), false);
        ClassifierHead.attach(classifier, "last_hidden_state", 2, 7);
        Path clf = dir.resolve("clf.onnx");
        OnnxFiles.save(classifier, clf);
        Path out = dir.resolve("factorized.onnx");
        Path folder = dir.resolve("factorized.onnx.checkpoint");
        List<Object> args = List.of("factorize", clf, "--rank-ratio", "0.25", "--exclude", "Gemm", "--recover", "--data",
                dir.resolve("train.tsv"), "--epochs", 1, "--batch-size", 8, "--lr", "0.01", "--bench-runs", 2, "--seq-len", 8,
                "-q", "-o", out);

        StopRequest.request();
        CliRun stopped = CliRun.of(args.toArray());
        assertThat(stopped.exitCode()).isEqualTo(143);
        assertThat(stopped.err()).contains("continue with the same command and --resume " + folder);
        CliRun resumed = CliRun.of(with(args, "--resume", folder).toArray());
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(folder).doesNotExist();
        Path straight = dir.resolve("straight.onnx");
        assertThat(CliRun.of(with(args.subList(0, args.size() - 2), "-o", straight).toArray()).exitCode()).isZero();
        assertSameWeights(out, straight);

        CliRun plain = CliRun.of("factorize", clf, "--rank-ratio", "0.25", "-o", dir.resolve("plain.onnx"), "--resume", folder);
        assertThat(plain.exitCode()).isEqualTo(2);
        assertThat(plain.errorLine()).isEqualTo("nncj: --resume continues an interrupted training run; without --recover"
                + " nothing trains");
        CliRun quantize = CliRun.of("quantize", clf, "--mode", "dynamic-int8", "-o", dir.resolve("q.onnx"), "--resume", folder);
        assertThat(quantize.exitCode()).isEqualTo(2);
        assertThat(quantize.errorLine()).contains("without --qat nothing trains");
    }

    private Path classifier(String name, float noise, long seed) {
        OnnxModel m = TinyModels.tokenEmbedder(TinyTokenizer.VOCABULARY_SIZE, noise);
        ClassifierHead.attach(m, "last_hidden_state", 2, seed);
        Path file = dir.resolve(name);
        OnnxFiles.save(m, file);
        return file;
    }
}
