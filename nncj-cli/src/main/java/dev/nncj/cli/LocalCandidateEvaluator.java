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
import dev.nncj.search.Architecture;
import dev.nncj.search.CandidateEncoder;
import dev.nncj.search.CandidateEvaluator;
import dev.nncj.search.CandidateWriter;
import dev.nncj.search.Fidelity;
import dev.nncj.train.distill.DistillationRecovery;
import dev.nncj.train.trainer.Checkpoints;
import dev.nncj.train.trainer.TrainingStoppedException;
import dev.nncj.transformer.EncoderLifter;
import dev.nncj.transformer.EncoderSpec;
import dev.nncj.transformer.ImportanceScores;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Evaluates candidates on this machine: the candidate's encoder with the teacher's inherited weights,
 * distilled from the teacher when the stage asks for it ({@link DistillationRecovery}, the recovery
 * every retraining method uses, with the stage's number of sentences), written in its numeric and
 * table form, and scored by ONNX Runtime on the selection data. The file's bytes are exact.
 */
final class LocalCandidateEvaluator implements CandidateEvaluator {
    /** Trained encoders kept for the front: a whole front of finalists at the default of 8, twice over. */
    static final int KEPT_TRAINED = 16;
    /** The phase under which a finished distillation's model is kept in its checkpoint folder. */
    private static final String TRAINED = "trained";

    private final EncoderSpec teacher;
    private final ImportanceScores scores;
    private final CandidateWriter writer;
    private final TextClassificationDataset selection;
    private final TextTokenizer tokenizer;
    private final java.util.function.Function<Fidelity, Optional<DistillationRecovery>> training;
    private final EvalOptions scoring;
    /** Where each distillation keeps its checkpoints (a folder per stage and candidate), if anywhere. */
    private final Optional<Path> trainingFolder;
    /**
     * The last trained encoders: the search's finalists are written again as the front once the
     * search ends, and their training (minutes each) need not run twice. Bounded, as each holds a
     * model's weights.
     */
    private final Map<String, EncoderSpec> recentlyTrained = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, EncoderSpec> eldest) {
                    return size() > KEPT_TRAINED;
                }
            });

    /**
     * @param training the distillation a stage runs before scoring (empty: inherited weights as they are)
     * @param scoring how ONNX Runtime scores a candidate (its threads: all of this machine's, or a Spark task's)
     * @param trainingFolder where distillations keep checkpoints, so that a stopped one continues where it
     *     was (empty: none kept, a stopped distillation starts again)
     */
    LocalCandidateEvaluator(EncoderSpec teacher, ImportanceScores scores, CandidateWriter writer,
            TextClassificationDataset selection, TextTokenizer tokenizer,
            java.util.function.Function<Fidelity, Optional<DistillationRecovery>> training, EvalOptions scoring,
            Optional<Path> trainingFolder) {
        this.teacher = teacher;
        this.scores = scores;
        this.writer = writer;
        this.selection = selection;
        this.tokenizer = tokenizer;
        this.training = training;
        this.scoring = scoring;
        this.trainingFolder = trainingFolder;
    }

    @Override
    public Evaluation evaluate(Architecture candidate, Fidelity stage) {
        return score(build(candidate, stage));
    }

    /** The deployable model of {@code candidate} at {@code stage} (training is seeded: the same model each time). */
    OnnxModel build(Architecture candidate, Fidelity stage) {
        Optional<DistillationRecovery> recovery = training.apply(stage);
        EncoderSpec encoder;
        if (recovery.isEmpty()) {
            encoder = CandidateEncoder.of(teacher, scores, candidate);
        } else {
            // trained outside the map's lock: a Spark executor's evaluator trains several candidates at once
            String key = trainingKey(candidate, stage);
            encoder = recentlyTrained.get(key);
            if (encoder == null) {
                encoder = train(candidate, stage, recovery.get());
                recentlyTrained.put(key, encoder);
            }
        }
        return writer.write(encoder, candidate.form(), candidate.table());
    }

    private EncoderSpec train(Architecture candidate, Fidelity stage, DistillationRecovery recovery) {
        Checkpoints checkpoints = checkpoints(candidate, stage);
        OnnxModel trained = checkpoints.finishedPhase(TRAINED).orElseGet(() -> distil(candidate, recovery, checkpoints));
        return EncoderLifter.lift(trained, Path.of(candidate.toString()));
    }

    private OnnxModel distil(Architecture candidate, DistillationRecovery recovery, Checkpoints checkpoints) {
        // a half-rank word table is trained as its two factors, so the training recovers the truncation
        OnnxModel student = DeployableCandidateWriter.emit(CandidateEncoder.of(teacher, scores, candidate), candidate.table());
        OnnxModel trained;
        try {
            trained = recovery.withCheckpoints(checkpoints).run(student).student();
        } catch (TrainingStoppedException e) {
            // a stop request (SIGTERM, Ctrl-C) ends the search; the candidate stays unjournaled, so --resume
            // trains it, from the checkpoint kept
            throw e;
        } catch (NncjException e) { // a candidate whose training diverged is a result, not the search's end
            checkpoints.remove();
            throw new CandidateFailure(e.getMessage());
        }
        // kept until the front is written: neither a resumed search nor the front trains it again
        checkpoints.recordPhase(TRAINED, trained);
        return trained;
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
     * table is trained as two factors. The numeric form and a dense table's storage are applied after
     * training, so candidates that differ only in those share one distillation.
     */
    private static String trainingKey(Architecture candidate, Fidelity stage) {
        return stage.label() + " " + candidate.shape() + (candidate.table().halfRank() ? " factorized table" : "");
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
