package dev.nncj.train.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nncj.ProgressListener;
import dev.nncj.data.SentenceFile;
import dev.nncj.data.TinyTokenizer;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.onnx.TinyModels;
import dev.nncj.quantize.Calibration;
import dev.nncj.quantize.QuantizationMode;
import dev.nncj.quantize.QuantizeOptions;
import dev.nncj.quantize.QuantizedTrainableForm;
import dev.nncj.train.distill.DistillData;
import dev.nncj.train.distill.DistillFixtures;
import dev.nncj.train.distill.DistillOptions;
import dev.nncj.train.distill.DistillResult;
import dev.nncj.train.distill.DistillationRecovery;
import dev.nncj.train.distill.Distiller;
import dev.nncj.train.finetune.FineTuneOptions;
import dev.nncj.train.finetune.FineTuneResult;
import dev.nncj.train.finetune.FineTuner;
import dev.nncj.train.finetune.FineTunerTest;
import dev.nncj.train.movement.MovementOptions;
import dev.nncj.train.movement.MovementPruning;
import dev.nncj.train.pruning.IterativePruner;
import dev.nncj.train.qat.QuantizationAwareTraining;
import dev.nncj.transformer.EmitOptions;
import dev.nncj.transformer.HeadPlan;
import dev.nncj.transformer.MagnitudeImportance;
import dev.nncj.transformer.StructuredPruneOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.TreeSet;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every training entry point stopped as SIGTERM stops it (the same {@link StopRequest}, here asked
 * for by a listener after a chosen step), resumed from its checkpoint folder, stopped again, and so
 * on, ends with the initializers of an uninterrupted run bit for bit, with the same losses.
 * (Nothing is written to the temporary directory any more; the CLI's child-JVM test checks it.)
 */
class KillAndResumeTest {
    @TempDir
    Path dir;

    /** A run of one entry point, stopped after the given step (-1: never), keeping its checkpoints as given. */
    @FunctionalInterface
    private interface Run<R> {
        R run(Checkpoints checkpoints, List<TrainingListener> listeners);
    }

    /**
     * The uninterrupted run's result, then the same run stopped after each of {@code stops} in turn
     * and resumed, to its end; both results returned, with the checkpoint folder checked at each stop.
     */
    private <R> List<R> straightAndStopped(Run<R> run, int... stops) {
        R straight = run.run(Checkpoints.none(), List.of());
        Path folder = dir.resolve("out.onnx.checkpoint");
        Checkpoints checkpoints = Checkpoints.startingIn(folder, "the run");
        for (int stop : stops) {
            assertThatThrownBy(() -> run.run(resumingIfStarted(checkpoints), List.of(TrainerTest.stopAfter(stop))))
                    .isInstanceOf(TrainingStoppedException.class)
                    .hasMessageContaining("at step " + (stop + 1) + " of ")
                    .hasMessageEndingWith("; its checkpoint is in " + folder);
            assertThat(folder.resolve("run.properties")).isRegularFile();
        }
        R resumed = run.run(Checkpoints.resuming(folder, "the run"), List.of());
        return List.of(straight, resumed);
    }

    private static Checkpoints resumingIfStarted(Checkpoints fresh) {
        return Files.exists(fresh.folder()) ? Checkpoints.resuming(fresh.folder(), fresh.fingerprint()) : fresh;
    }

    /** Every initializer of {@code expected} in {@code actual} with the same bytes. */
    private static void assertSameWeights(OnnxModel actual, OnnxModel expected) {
        assertThat(actual.graph().initializers().keySet()).containsExactlyInAnyOrderElementsOf(
                expected.graph().initializers().keySet());
        for (Tensor t : expected.graph().initializers().values()) {
            assertThat(actual.graph().initializer(t.name()).orElseThrow().rawData()).as(t.name()).isEqualTo(t.rawData());
        }
    }

    /** Three distinct steps in [1, total - 1), ascending, chosen by {@code seed}. */
    private static int[] randomStops(long seed, int total) {
        Random random = new Random(seed);
        TreeSet<Integer> stops = new TreeSet<>();
        while (stops.size() < 3) {
            stops.add(1 + random.nextInt(total - 2));
        }
        return stops.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Fine-tuning with evaluations every 5 of 24 steps (the best weights kept, so restored too),
     * stopped at step 8 (between checkpoints) and at step 15 (on one, which the stop does not write again).
     */
    @Test
    void fineTuningStoppedTwiceEndsWithTheUninterruptedWeights() throws IOException {
        TinyTokenizer.write(dir);
        FineTunerTest.catsAndDogs(dir.resolve("train.tsv"), 64, 1);
        FineTunerTest.catsAndDogs(dir.resolve("dev.tsv"), 40, 2);
        Path encoder = dir.resolve("encoder.onnx");
        OnnxFiles.save(TinyModels.tokenEmbedder(TinyTokenizer.VOCABULARY_SIZE, 0.3f), encoder);
        FineTuneOptions options = FineTuneOptions.defaults().withEpochs(3).withBatchSize(8).withLearningRate(0.05)
                .withEvalEvery(5).withPatience(0).withMaxLength(16);

        List<FineTuneResult> results = straightAndStopped((checkpoints, listeners) -> FineTuner.run(encoder,
                dir.resolve("tokenizer.json"), dir.resolve("train.tsv"), dir.resolve("dev.tsv"),
                options.withCheckpoints(checkpoints), ProgressListener.NONE, listeners), 7, 14);

        FineTuneResult straight = results.get(0);
        FineTuneResult resumed = results.get(1);
        assertThat(resumed.steps()).isEqualTo(24);
        assertThat(resumed.bestStep()).isEqualTo(straight.bestStep());
        assertThat(resumed.bestEvalAccuracy()).isEqualTo(straight.bestEvalAccuracy());
        assertThat(resumed.losses()).containsExactlyElementsOf(straight.losses());
        assertSameWeights(resumed.classifier(), straight.classifier());
    }

    /**
     * The done-when: a distillation (soft targets and labels, evaluated every 4 of 24 steps,
     * so best weights are kept and restored) killed at three random points in a row ends with the
     * weights of an uninterrupted run. The points change from run to run and are printed.
     */
    @Test
    void aDistillationKilledThreeTimesEndsWithTheUninterruptedWeights() throws IOException {
        DistillFixtures.data(dir);
        OnnxModel teacher = OnnxFiles.load(DistillFixtures.embedderClassifier(dir, "teacher.onnx", 0.3f, 1));
        Path student = DistillFixtures.embedderClassifier(dir, "student.onnx", 1.5f, 7);
        DistillOptions options = DistillOptions.recovery().withTraining(FineTuneOptions.defaults().withEpochs(3)
                .withBatchSize(8).withLearningRate(0.05).withEvalEvery(4).withPatience(0).withMaxLength(16));
        long seed = System.nanoTime();
        int[] stops = randomStops(seed, 24);
        System.out.println("distillation stopped after steps " + java.util.Arrays.toString(stops) + " (seed " + seed + ")");

        List<DistillResult> results = straightAndStopped((checkpoints, listeners) -> Distiller.distill(List.of(teacher),
                OnnxFiles.load(student), DistillFixtures.trainAndDev(dir),
                options.withTraining(options.training().withCheckpoints(checkpoints)), ProgressListener.NONE, listeners),
                stops);

        DistillResult straight = results.get(0);
        DistillResult resumed = results.get(1);
        assertThat(resumed.steps()).isEqualTo(24);
        assertThat(resumed.keptStep()).isEqualTo(straight.keptStep());
        assertThat(resumed.losses()).containsExactlyElementsOf(straight.losses());
        assertSameWeights(resumed.student(), straight.student());
    }

    /**
     * Iterative pruning in two rounds, each recovered by distillation: stopped in round 1, then in
     * round 2 (round 1's result is kept and its training not repeated), then finished.
     */
    @Test
    void iterativePruningStoppedInEachRoundEndsWithTheUninterruptedModel() throws IOException {
        DistillFixtures.data(dir);
        Path file = DistillFixtures.encoderClassifier(dir, "classifier.onnx", List.of(0, 1, 2, 3), 1);
        var target = new StructuredPruneOptions(Optional.empty(), new HeadPlan.All(), 0.5, new MagnitudeImportance());
        DistillOptions recovery = DistillOptions.recovery().withTraining(FineTuneOptions.defaults().withEpochs(1)
                .withBatchSize(8).withLearningRate(1e-2).withEvalEvery(3).withMaxLength(16));
        List<Integer> recovered = new ArrayList<>();
        // the listener of a recovery run is out of reach: a progress bar asks for the stop instead
        StopAtStep stopAt = new StopAtStep();
        Function<Checkpoints, IterativePruner.Recovery> recoveryFor = checkpoints -> {
            DistillationRecovery inner = new DistillationRecovery(OnnxFiles.load(file),
                    DistillData.load(dir.resolve("train.tsv"), null, dir.resolve("tokenizer.json")),
                    recovery.withTraining(recovery.training().withCheckpoints(checkpoints)), stopAt);
            return new IterativePruner.Recovery() {
                @Override
                public OnnxModel recover(OnnxModel pruned, int round) {
                    recovered.add(round);
                    stopAt.round = round;
                    return inner.recover(pruned, round);
                }

                @Override
                public Optional<OnnxModel> finished(int round) {
                    return inner.finished(round);
                }
            };
        };
        OnnxModel straight = IterativePruner.prune(OnnxFiles.load(file), file, target, 2, EmitOptions.defaults(),
                recoveryFor.apply(Checkpoints.none())).model();
        assertThat(recovered).containsExactly(1, 2);

        recovered.clear();
        Path folder = dir.resolve("pruned.onnx.checkpoint");
        stopAt.at(1, 5);
        assertThatThrownBy(() -> IterativePruner.prune(OnnxFiles.load(file), file, target, 2, EmitOptions.defaults(),
                recoveryFor.apply(Checkpoints.startingIn(folder, "prune")))).isInstanceOf(TrainingStoppedException.class)
                .hasMessageContaining("at step 5 of 8 (round-1)");
        stopAt.at(2, 2);
        assertThatThrownBy(() -> IterativePruner.prune(OnnxFiles.load(file), file, target, 2, EmitOptions.defaults(),
                recoveryFor.apply(Checkpoints.resuming(folder, "prune")))).isInstanceOf(TrainingStoppedException.class)
                .hasMessageContaining("at step 2 of 8 (round-2)");
        assertThat(folder.resolve("round-1.onnx")).isRegularFile();
        stopAt.at(0, 0);
        OnnxModel resumed = IterativePruner.prune(OnnxFiles.load(file), file, target, 2, EmitOptions.defaults(),
                recoveryFor.apply(Checkpoints.resuming(folder, "prune"))).model();
        assertThat(recovered).as("rounds trained").containsExactly(1, 1, 2, 2);
        assertSameWeights(resumed, straight);
    }

    /** Asks for a stop when the progress of the given recovery round reaches the given step. */
    private static final class StopAtStep implements ProgressListener {
        int round;
        private int stopRound;
        private int stopStep;
        private long done;

        void at(int round, int step) {
            stopRound = round;
            stopStep = step;
        }

        @Override
        public void start(String task, long total) {
            done = 0;
        }

        @Override
        public void advance(long steps) {
            done += steps;
            if (round == stopRound && done == stopStep && steps == 1) {
                StopRequest.request();
            }
        }

        @Override
        public void finish() {}
    }

    /**
     * Movement pruning (8 steps: 2 at full density, 2 at the final one) stopped in its sparsity
     * warm-up and again in its cool-down: the schedule resumes with the step.
     */
    @Test
    void movementPruningStoppedMidScheduleEndsWithTheUninterruptedModel() throws IOException {
        DistillFixtures.data(dir);
        Path teacher = DistillFixtures.encoderClassifier(dir, "teacher.onnx", List.of(0, 1), 5);
        FineTuneOptions training = FineTuneOptions.defaults().withBatchSize(8).withMaxLength(16).withEpochs(1)
                .withLearningRate(1e-3).withEvalEvery(3);
        MovementOptions options = MovementOptions.defaults(0.3).withSchedule(0.25, 0.25)
                .withDistill(DistillOptions.recovery().withTraining(training));

        List<MovementPruning.Result> results = straightAndStopped((checkpoints, listeners) -> MovementPruning.run(teacher,
                options.withDistill(options.distill().withTraining(training.withCheckpoints(checkpoints))),
                DistillFixtures.trainAndDev(dir), ProgressListener.NONE, listeners), 0, 6);

        assertThat(results.get(1).remainingWeights()).isEqualTo(results.get(0).remainingWeights());
        assertThat(results.get(1).keptStep()).isEqualTo(results.get(0).keptStep());
        assertSameWeights(results.get(1).trainingModel(), results.get(0).trainingModel());
        assertSameWeights(results.get(1).model(), results.get(0).model());
    }

    /** Quantization-aware training stopped once: the QDQ export carries the uninterrupted run's weights. */
    @Test
    void quantizationAwareTrainingStoppedEndsWithTheUninterruptedExport() throws IOException {
        TinyTokenizer.write(dir);
        FineTunerTest.catsAndDogs(dir.resolve("train.tsv"), 48, 3);
        QuantizeOptions d = QuantizeOptions.defaults(QuantizationMode.STATIC_INT8);
        QuantizeOptions quantize = new QuantizeOptions(d.mode(), d.nodes(), d.perChannel(), d.symmetric(), d.blockSize(),
                d.fp8Format(), Optional.of(new Calibration(SentenceFile.read(dir.resolve("train.tsv")),
                        dir.resolve("tokenizer.json"), Calibration.Method.MIN_MAX, 99.99, 16)), false, true);
        Path classifier = DistillFixtures.encoderClassifier(dir, "classifier.onnx", List.of(0, 1), 5);
        FineTuneOptions training = FineTuneOptions.defaults().withLearningRate(1e-2).withBatchSize(8).withMaxLength(16)
                .withEpochs(2).withEvalEvery(4);

        List<QuantizationAwareTraining.Result> results = straightAndStopped((checkpoints, listeners) ->
                QuantizationAwareTraining.run(classifier, QuantizedTrainableForm.factory(quantize, ProgressListener.NONE),
                        DistillData.load(dir.resolve("train.tsv"), null, dir.resolve("tokenizer.json")),
                        DistillOptions.recovery().withTraining(training.withCheckpoints(checkpoints)), ProgressListener.NONE,
                        listeners), 6);

        assertThat(results.get(1).losses()).containsExactlyElementsOf(results.get(0).losses());
        assertSameWeights(results.get(1).model(), results.get(0).model());
    }
}
