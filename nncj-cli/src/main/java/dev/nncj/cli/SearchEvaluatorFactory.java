package dev.nncj.cli;

import dev.nncj.ProgressListener;
import dev.nncj.data.TextClassificationDataset;
import dev.nncj.data.TextTokenizer;
import dev.nncj.eval.EvalOptions;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.quantize.Calibration;
import dev.nncj.quantize.QuantizeOptions;
import dev.nncj.runtime.RuntimeOptions;
import dev.nncj.search.CandidateEvaluator;
import dev.nncj.search.Fidelity;
import dev.nncj.spark.EvaluatorFactory;
import dev.nncj.train.distill.DistillData;
import dev.nncj.train.distill.DistillationRecovery;
import dev.nncj.train.trainer.TrainingThreads;
import dev.nncj.transformer.EncoderLifter;
import dev.nncj.transformer.EncoderSpec;
import dev.nncj.transformer.ImportanceScores;
import dev.nncj.transformer.MagnitudeImportance;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * How {@code nncj search} evaluates candidates, as small values: the files (absolute, in a folder the
 * executors can read) and the options. {@link #evaluator} is the one place a search's
 * {@link LocalCandidateEvaluator} is put together, on the driver from what it has already loaded and on a
 * Spark executor ({@link #create}) from the files, so both score a candidate the same way.
 *
 * <p>This class names nothing of Spark itself ({@link EvaluatorFactory} is a plain interface), so a local
 * search loads no Spark class.
 *
 * @param distills whether a stage distills (then the training data and the teacher are kept for it)
 */
record SearchEvaluatorFactory(String teacherFile, String data, String eval, int evalSamples,
        SearchDistillation distillation, long seed, boolean distills) implements EvaluatorFactory {
    private static final long serialVersionUID = 1L;
    /** Training sentences whose activations calibrate static int8. */
    static final int CALIBRATION_SENTENCES = 256;

    static SearchEvaluatorFactory of(Path teacherFile, Path data, Path eval, int evalSamples,
            SearchDistillation distillation, long seed, List<Fidelity> stages) {
        return new SearchEvaluatorFactory(teacherFile.toAbsolutePath().toString(), data.toAbsolutePath().toString(),
                eval.toAbsolutePath().toString(), evalSamples, distillation, seed,
                stages.stream().anyMatch(f -> f != Fidelity.INHERITED));
    }

    /** The same search's inputs read from other copies of the files. */
    SearchEvaluatorFactory at(Path teacherCopy, Path dataCopy, Path evalCopy) {
        return new SearchEvaluatorFactory(teacherCopy.toString(), dataCopy.toString(), evalCopy.toString(), evalSamples,
                distillation, seed, distills);
    }

    /**
     * On an executor, once per JVM: loads the teacher, its tokenizer and the data from the shared files.
     * ONNX Runtime (scoring and static int8's calibration) and the distillation take {@code threads} (the
     * task's CPUs) rather than every core of the executor's machine.
     */
    @Override
    public CandidateEvaluator create(int threads) {
        Path teacherPath = Path.of(teacherFile);
        OnnxModel teacher = InputModel.load(teacherPath);
        EncoderSpec encoder = EncoderLifter.lift(teacher, teacherPath);
        // open for the executor's life: it scores every candidate this search sends there
        TextTokenizer tokenizer = TextTokenizer.load(ModelOutput.tokenizerBeside(teacherPath));
        if (distills) {
            TrainingThreads.use(threads); // the stage's distillation trains on the task's CPUs, not the machine's
        }
        // no checkpoints: a task retried elsewhere could not read them
        return evaluator(teacher, encoder, new MagnitudeImportance().score(encoder), tokenizer,
                EvalOptions.defaults().withRuntime(RuntimeOptions.defaults().withIntraOpThreads(threads)), Optional.empty(),
                ProgressListener.NONE); // an executor's console is not the user's
    }

    /**
     * The evaluator, from the teacher as loaded, lifted and scored, its open tokenizer and how to run
     * ONNX Runtime; its distillations keep checkpoints in {@code trainingFolder} when given and report
     * their steps to {@code training} (a full distillation takes hours: the search's line per scored
     * candidate would be silent that long).
     */
    LocalCandidateEvaluator evaluator(OnnxModel teacher, EncoderSpec encoder, ImportanceScores scores,
            TextTokenizer tokenizer, EvalOptions scoring, Optional<Path> trainingFolder, ProgressListener training) {
        Path tokenizerFile = ModelOutput.tokenizerBeside(Path.of(teacherFile));
        // static int8's calibration runs ONNX Runtime as the scoring does: on a Spark task's CPUs there
        DeployableCandidateWriter writer = new DeployableCandidateWriter(teacher.metadata(), Optional.of(
                calibration(CalibrationSentences.read(Path.of(data), CALIBRATION_SENTENCES), tokenizerFile)
                        .withThreads(scoring.runtime().intraOpThreads())));
        TextClassificationDataset selection = TextClassificationDataset.load(Path.of(eval)).firstN(evalSamples);
        DistillData distillData = distills ? DistillData.load(Path.of(data), null, tokenizerFile) : null;
        // rewritten once, when the first full distillation starts (finding the neighbours takes up to a minute);
        // not for a candidate whose trained model is kept, nor twice for a Spark executor's concurrent tasks
        Supplier<DistillData> augmented = once(() -> distillation.augmented(distillData, encoder, seed));
        return new LocalCandidateEvaluator(encoder, scores, writer, selection, tokenizer,
                stage -> distillation.options(stage, seed).map(options -> distillation.augments(stage)
                        ? DistillationRecovery.readingWhenRun(teacher, augmented, options, ProgressListener.NONE)
                        : new DistillationRecovery(teacher, distillData, options, ProgressListener.NONE)),
                scoring, trainingFolder, training);
    }

    /** {@code make}'s value, made by the first call and kept. */
    private static <T> Supplier<T> once(Supplier<T> make) {
        return new Supplier<>() {
            private T value;

            @Override
            public synchronized T get() {
                if (value == null) {
                    value = make.get();
                }
                return value;
            }
        };
    }

    static Calibration calibration(List<String> sentences, Path tokenizer) {
        return new Calibration(sentences, tokenizer, Calibration.Method.MIN_MAX, 99.999, QuantizeOptions.CALIBRATION_BATCH_SIZE);
    }
}
