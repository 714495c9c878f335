package dev.nncj.spark;

import dev.nncj.ProgressListener;
import dev.nncj.data.TextClassificationDataset;
import dev.nncj.data.TextTokenizer;
import dev.nncj.eval.EvalOptions;
import dev.nncj.eval.TextClassificationEval;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.runtime.RuntimeOptions;
import dev.nncj.search.Architecture;
import dev.nncj.search.CandidateEncoder;
import dev.nncj.search.CandidateEvaluator;
import dev.nncj.search.Fidelity;
import dev.nncj.transformer.EmitOptions;
import dev.nncj.transformer.EncoderEmitter;
import dev.nncj.transformer.EncoderLifter;
import dev.nncj.transformer.EncoderSpec;
import dev.nncj.transformer.ImportanceScores;
import dev.nncj.transformer.MagnitudeImportance;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;

/**
 * The test's real evaluator: the candidate's encoder with the teacher's inherited weights, emitted,
 * written, and scored by ONNX Runtime on the selection data with {@code threads} intra-op threads.
 * It notes the JVM that ran it in {@code shared/evaluated-by/}. When the test arms
 * {@code shared/kill-armed}, the one evaluation that claims it writes its JVM's pid to
 * {@code shared/victim.pid} and waits to be killed (a minute at most); while {@code shared/hold} names
 * the candidate, its evaluation waits for the test to delete that file; {@code shared/poison} names
 * candidates that kill their JVM or throw every time.
 */
final class TinyClassifierEvaluator implements CandidateEvaluator {
    private final Path shared;
    private final EncoderSpec teacher;
    private final ImportanceScores scores;
    private final TextClassificationDataset selection;
    private final TextTokenizer tokenizer;
    private final EvalOptions eval;

    TinyClassifierEvaluator(Path shared, int threads) {
        this.shared = shared;
        this.teacher = EncoderLifter.lift(OnnxFiles.load(shared.resolve("teacher.onnx")), shared.resolve("teacher.onnx"));
        this.scores = new MagnitudeImportance().score(teacher);
        this.selection = TextClassificationDataset.load(shared.resolve("selection.tsv"));
        this.tokenizer = TextTokenizer.load(shared.resolve("tokenizer.json"));
        this.eval = EvalOptions.defaults().withRuntime(RuntimeOptions.defaults().withIntraOpThreads(threads)
                .withInterOpThreads(1));
    }

    /** The factory the executors build it from: a path, nothing else. */
    record Factory(String shared) implements EvaluatorFactory {
        @Override
        public CandidateEvaluator create(int threads) {
            return new TinyClassifierEvaluator(Path.of(shared), threads);
        }
    }

    /** A candidate {@code shared/poison} names on a line "halt LINE" kills its JVM; on "throw LINE" it throws. */
    private void poison(Architecture candidate) throws IOException {
        Path poison = shared.resolve("poison");
        if (!Files.exists(poison)) {
            return;
        }
        for (String line : Files.readAllLines(poison)) {
            if (line.equals("halt " + candidate)) {
                Runtime.getRuntime().halt(137);
            }
            if (line.equals("throw " + candidate)) {
                throw new IllegalStateException("poisoned by the test");
            }
        }
    }

    /** While {@code shared/hold} names this candidate, waits for the test to delete it (a minute at most). */
    private void awaitRelease(Architecture candidate) throws IOException, InterruptedException {
        Path hold = shared.resolve("hold");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (Files.exists(hold) && readOrEmpty(hold).equals(candidate.toString()) && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }

    private static String readOrEmpty(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) { // deleted meanwhile
            return "";
        }
    }

    @Override
    public Evaluation evaluate(Architecture candidate, Fidelity stage) {
        try {
            long pid = ProcessHandle.current().pid();
            Files.createDirectories(shared.resolve("evaluated-by"));
            Files.writeString(shared.resolve("evaluated-by").resolve(String.valueOf(pid)), "");
            if (Files.deleteIfExists(shared.resolve("kill-armed"))) {
                Path tmp = Files.writeString(shared.resolve("victim.pid.tmp"), String.valueOf(pid));
                Files.move(tmp, shared.resolve("victim.pid"), StandardCopyOption.ATOMIC_MOVE);
                TimeUnit.MINUTES.sleep(1);
            }
            awaitRelease(candidate);
            poison(candidate);
            if (TinyClassifierSearch.refused(candidate)) {
                throw new CandidateFailure("two heads in all are too few (the test's rule)");
            }
            Path dir = Files.createTempDirectory("nncj-spark-candidate-");
            Path file = dir.resolve("candidate.onnx");
            try {
                OnnxFiles.save(EncoderEmitter.emit(CandidateEncoder.of(teacher, scores, candidate), EmitOptions.defaults()),
                        file);
                double accuracy = TextClassificationEval.run(file, selection, tokenizer, eval, ProgressListener.NONE).value();
                return new Evaluation(accuracy, Files.size(file));
            } finally {
                Files.deleteIfExists(file);
                Files.delete(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting to be killed", e);
        }
    }
}
