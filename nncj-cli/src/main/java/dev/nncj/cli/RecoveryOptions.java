package dev.nncj.cli;

import dev.nncj.NncjException;
import dev.nncj.OptionException;
import dev.nncj.ProgressListener;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.train.distill.DistillOptions;
import dev.nncj.train.distill.DistillResult;
import dev.nncj.train.distill.DistillationRecovery;
import dev.nncj.train.finetune.FineTuneOptions;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * {@code --recover}: fine-tunes a compressed classifier by distillation from the original
 * ({@link DistillationRecovery} with {@link DistillOptions#recovery()}: soft targets at T = 2 plus hard
 * labels, and the hidden-state and attention terms of {@link LayerLossOptions} when given). Shared by the
 * compression commands; nncj-core knows nothing of training, the CLI wires it.
 */
final class RecoveryOptions {
    @Option(names = "--recover", description = "fine-tune the result by distillation from the original (a classifier with a logits output) or --teacher")
    boolean recover;

    @Option(names = "--data", paramLabel = "TRAIN.tsv", description = "--recover: training data, sentence and label columns")
    Path data;

    @Option(names = "--recover-eval", paramLabel = "DEV.tsv",
            description = "--recover: selection data (labelled) evaluated every --eval-every steps; the best weights are kept"
                    + " (default: the last); never the --eval-data file")
    Path eval;

    @Mixin
    TeacherOption teacher;

    @Mixin
    LayerLossOptions layers;

    @Mixin
    TrainingOptions training;

    /** --recover-eval's and --eval-data's parts, known once {@link #check} has run. */
    private SelectionData sets;
    private FineTuneOptions trainingOptions;

    /**
     * Checks the options before any work: a wrong flag must not surface after the compression. The
     * run's checkpoints are those of {@code command}'s result, {@code output}.
     *
     * @param reported the --eval-data file the command reports its metric on (null: none), which
     *     must not be the --recover-eval data the kept weights were chosen by
     */
    void check(CommandSpec command, Path output, Path reported) {
        if (!recover && (data != null || eval != null)) {
            throw new OptionException("--data and --recover-eval are for --recover");
        }
        if (recover && data == null) {
            throw new OptionException("--recover needs --data TRAIN.tsv");
        }
        training.refuseResumeUnless(recover, "--recover");
        if (recover) {
            try {
                training.toOptions(); // FineTuneOptions validates the numbers
            } catch (NncjException e) {
                throw new OptionException("--recover: " + Flags.message(e));
            }
            trainingOptions = training.toOptions(command, output);
        }
        teacher.check(recover);
        layers.checkUsedWith(recover, "--recover");
        sets = SelectionData.of("--recover-eval", eval, "--eval-data", reported, "the weights kept");
    }

    /** The compressed model trained against {@code original}, or {@code compressed} itself without --recover. */
    Recovered apply(Path original, OnnxModel compressed, Path tokenizer, DataFileOptions dataFile, ProgressListener progress) {
        if (!recover) {
            return new Recovered(compressed, null, 0, sets);
        }
        long start = System.nanoTime();
        DistillResult r = new DistillationRecovery(teacher.load(original), dataFile.distillData(data, eval, tokenizer),
                layers.applyTo(DistillOptions.recovery().withTraining(trainingOptions)), progress).run(compressed);
        return new Recovered(r.student(), r, (System.nanoTime() - start) / 1e9, sets);
    }

    /** The model to save, the training run when there was one, and which data chose its weights. */
    record Recovered(OnnxModel model, DistillResult run, double seconds, SelectionData sets) {
        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("steps", run.steps());
            m.put("kept_step", run.keptStep());
            m.put("first_loss", run.losses().isEmpty() ? null : run.losses().get(0));
            m.put("last_loss", run.losses().isEmpty() ? null : run.losses().get(run.losses().size() - 1));
            m.put("seconds", seconds);
            m.put("data", sets.json());
            return m;
        }

        /** The run's line, then (when data was given) which set chose its weights and which the metric is on. */
        String line() {
            List<Double> l = run.losses();
            String line = String.format(java.util.Locale.ROOT, "recovered by distillation from the original: %d steps in %.0f s, loss %.4f -> %.4f, kept step %d",
                    run.steps(), seconds, l.isEmpty() ? Double.NaN : l.get(0), l.isEmpty() ? Double.NaN : l.get(l.size() - 1),
                    run.keptStep());
            return sets.line().map(d -> line + System.lineSeparator() + d).orElse(line);
        }
    }
}
