package dev.nncj.cli;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.TempFiles;
import dev.nncj.data.TextClassificationDataset;
import dev.nncj.data.TextTokenizer;
import dev.nncj.eval.EvalOptions;
import dev.nncj.eval.TextClassificationEval;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.provenance.Provenance;
import dev.nncj.quantize.QuantizeOptions;
import dev.nncj.quantize.QuantizedTrainableForm;
import dev.nncj.search.Architecture;
import dev.nncj.search.CandidateEncoder;
import dev.nncj.search.CandidateEvaluator;
import dev.nncj.search.Fidelity;
import dev.nncj.train.distill.DistillationRecovery;
import dev.nncj.train.qat.QuantizationAwareTraining;
import dev.nncj.train.trainer.Checkpoints;
import dev.nncj.train.trainer.TrainingStoppedException;
import dev.nncj.transformer.EncoderLifter;
import dev.nncj.transformer.EncoderSpec;
import dev.nncj.transformer.ImportanceScores;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Evaluates candidates on this machine: the candidate's encoder with the teacher's inherited weights,
 * distilled from the teacher when the stage asks for it ({@link DistillationRecovery}, the recovery
 * every retraining method uses, with the stage's number of sentences), written in its numeric and
 * table form (at the QAT stage: trained further in that form, {@link QuantizationAwareTraining}), and
 * scored by ONNX Runtime on the selection data. The file's bytes are exact.
 */
final class LocalCandidateEvaluator implements CandidateEvaluator {
    /** Trained encoders kept for the front: a whole front of finalists at the default of 8, twice over. */
    static final int KEPT_TRAINED = 16;
    /** The phase under which a finished distillation's model is kept in its checkpoint folder. */
    private static final String TRAINED = "trained";

    private final EncoderSpec teacher;
    private final ImportanceScores scores;
    private final DeployableCandidateWriter writer;
    private final TextClassificationDataset selection;
    private final TextTokenizer tokenizer;
    private final java.util.function.Function<Fidelity, Optional<DistillationRecovery>> training;
    private final EvalOptions scoring;
    /** Where each distillation keeps its checkpoints (a folder per stage and candidate), if anywhere. */
    private final Optional<Path> trainingFolder;
    private final ProgressListener progress;
    /**
     * The last trained encoders: the search's finalists are written again as the front once the
     * search ends, and their training (minutes each) need not run twice. Bounded, as each holds a
     * model's weights.
     */
    private final Map<String, EncoderSpec> recentlyTrained = boundedCache();
    /** The last models QAT trained and exported, kept for the front as {@link #recentlyTrained} is. */
    private final Map<String, OnnxModel> recentlyQuantized = boundedCache();

    /**
     * @param training the distillation a stage runs before scoring (empty: inherited weights as they are)
     * @param scoring how ONNX Runtime scores a candidate (its threads: all of this machine's, or a Spark task's)
     * @param trainingFolder where distillations keep checkpoints, so that a stopped one continues where it
     *     was (empty: none kept, a stopped distillation starts again)
     * @param progress told each training's steps, the task named by its stage and candidate (a full
     *     distillation takes hours, with no scored candidate to show meanwhile)
     */
    LocalCandidateEvaluator(EncoderSpec teacher, ImportanceScores scores, DeployableCandidateWriter writer,
            TextClassificationDataset selection, TextTokenizer tokenizer,
            java.util.function.Function<Fidelity, Optional<DistillationRecovery>> training, EvalOptions scoring,
            Optional<Path> trainingFolder, ProgressListener progress) {
        this.teacher = teacher;
        this.scores = scores;
        this.writer = writer;
        this.selection = selection;
        this.tokenizer = tokenizer;
        this.training = training;
        this.scoring = scoring;
        this.trainingFolder = trainingFolder;
        this.progress = progress;
    }

    @Override
    public Evaluation evaluate(Architecture candidate, Fidelity stage) {
        return score(build(candidate, stage));
    }

    /** The deployable model of {@code candidate} at {@code stage} (training is seeded: the same model each time). */
    OnnxModel build(Architecture candidate, Fidelity stage) {
        if (stage == Fidelity.QAT && candidate.form().quantizationAwareTrainable()) {
            return kept(recentlyQuantized, trainingKey(candidate, stage),
                    () -> quantizationAware(candidate, training.apply(stage).orElseThrow()));
        }
        // a float form has no integer grid to adapt to, a fused one no trainable form: at QAT either is the full
        // distillation's model
        Fidelity trainedAt = stage == Fidelity.QAT ? Fidelity.FULL_DISTILL : stage;
        Optional<DistillationRecovery> recovery = training.apply(trainedAt);
        EncoderSpec encoder = recovery.isEmpty() ? CandidateEncoder.of(teacher, scores, candidate)
                : trained(candidate, trainedAt, recovery.get());
        return writer.write(encoder, candidate.form(), candidate.table());
    }

    private EncoderSpec trained(Architecture candidate, Fidelity stage, DistillationRecovery recovery) {
        return kept(recentlyTrained, trainingKey(candidate, stage), () -> {
            Checkpoints checkpoints = checkpoints(candidate, stage);
            OnnxModel trained = checkpoints.finishedPhase(TRAINED).orElseGet(() -> trainOrFail(checkpoints, () -> {
                // a half-rank word table is trained as its two factors, so the training recovers the truncation
                OnnxModel student = DeployableCandidateWriter.emit(CandidateEncoder.of(teacher, scores, candidate),
                        candidate.table());
                return recovery.withCheckpoints(checkpoints).withProgress(progress.named(trainingKey(candidate, stage)))
                        .run(student).student();
            }));
            return EncoderLifter.lift(trained, Path.of(candidate.toString()));
        });
    }

    /**
     * The full distillation's model of {@code candidate} trained with its int8 form's fake quantization
     * ({@link QuantizationAwareTraining}, from the teacher) and exported in that form.
     */
    private OnnxModel quantizationAware(Architecture candidate, DistillationRecovery recovery) {
        EncoderSpec distilled = trained(candidate, Fidelity.FULL_DISTILL, training.apply(Fidelity.FULL_DISTILL).orElseThrow());
        Checkpoints checkpoints = checkpoints(candidate, Fidelity.QAT);
        QuantizeOptions options = writer.quantization(candidate.form(), candidate.table()).orElseThrow();
        return checkpoints.finishedPhase(TRAINED).orElseGet(() -> trainOrFail(checkpoints, () ->
                QuantizationAwareTraining.run(() -> writer.floatModel(distilled, candidate.table()), Path.of(candidate.toString()),
                        QuantizedTrainableForm.factory(options, ProgressListener.NONE), recovery.withCheckpoints(checkpoints)
                                .withProgress(progress.named(trainingKey(candidate, Fidelity.QAT))),
                        List.of()).model()));
    }

    /**
     * {@code train}'s model, kept in its checkpoint folder until the front is written (neither a resumed
     * search nor the front trains it again); a training that fails is the candidate's result, not the search's end.
     */
    private static OnnxModel trainOrFail(Checkpoints checkpoints, Supplier<OnnxModel> train) {
        OnnxModel trained;
        try {
            trained = train.get();
        } catch (TrainingStoppedException e) {
            // a stop request (SIGTERM, Ctrl-C) ends the search; the candidate stays unjournaled, so --resume
            // trains it, from the checkpoint kept
            throw e;
        } catch (NncjException e) { // a candidate whose training diverged is a result, not the search's end
            checkpoints.remove();
            throw new CandidateFailure(e.getMessage());
        }
        checkpoints.recordPhase(TRAINED, trained);
        return trained;
    }

    /** {@code cache}'s value for {@code key}, made by {@code make} (outside the cache's lock: a Spark executor trains several at once). */
    private static <T> T kept(Map<String, T> cache, String key, Supplier<T> make) {
        T value = cache.get(key);
        if (value == null) {
            value = make.get();
            cache.put(key, value);
        }
        return value;
    }

    private static <T> Map<String, T> boundedCache() {
        return java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, T> eldest) {
                return size() > KEPT_TRAINED;
            }
        });
    }

    /** The candidate's checkpoints at this stage: continued when a stopped search left them, else new. */
    private Checkpoints checkpoints(Architecture candidate, Fidelity stage) {
        if (trainingFolder.isEmpty()) {
            return Checkpoints.none();
        }
        String run = trainingKey(candidate, stage);
        String name = stage.label() + "-" + Provenance.sha256Text(run).substring(0, 16);
        return Checkpoints.continuingIn(trainingFolder.get().resolve(name), run);
    }

    /**
     * What {@code stage} trains for {@code candidate}: its layers, heads and FFN units, and whether its word
     * table is trained as two factors. A distillation's numeric form and a dense table's storage are applied
     * after training, so candidates that differ only in those share one distillation; QAT trains the form
     * and the table's storage, so they are part of its key.
     */
    private static String trainingKey(Architecture candidate, Fidelity stage) {
        return stage == Fidelity.QAT ? stage.label() + " " + candidate
                : stage.label() + " " + candidate.shape() + (candidate.table().halfRank() ? " factorized table" : "");
    }

    /** Removes every distillation's checkpoints and trained model: the search's front is written. */
    void discardTraining() {
        trainingFolder.ifPresent(Checkpoints::removeAll);
    }

    /** Accuracy by ONNX Runtime on the selection data and the bytes of the written file. */
    Evaluation score(OnnxModel model) {
        try (TempFiles.Temp dir = TempFiles.directory("nncj-candidate-")) {
            Path file = dir.path().resolve("candidate.onnx");
            OnnxFiles.save(model, file);
            double accuracy = TextClassificationEval.run(file, selection, tokenizer, scoring,
                    ProgressListener.NONE).value();
            if (!Double.isFinite(accuracy)) {
                throw new CandidateFailure("accuracy is not a number");
            }
            return new Evaluation(accuracy, Files.size(file));
        } catch (IOException e) {
            throw new NncjException("cannot write a candidate to a temporary folder: " + e.getMessage(), e);
        }
    }
}
