package dev.nncj.cli;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.data.TextClassificationDataset;
import dev.nncj.data.TextTokenizer;
import dev.nncj.data.TokenizerOptions;
import dev.nncj.eval.EvalOptions;
import dev.nncj.eval.EvalResult;
import dev.nncj.eval.TextClassificationEval;
import dev.nncj.folder.HfConfig;
import dev.nncj.onnx.SaveOptions;
import dev.nncj.runtime.StagedModel;
import dev.nncj.train.finetune.FineTuneOptions;
import dev.nncj.train.finetune.FineTuneResult;
import dev.nncj.train.finetune.FineTuner;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "finetune", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fine-tune a sentence encoder into a text classifier.",
            "The classifier is mean pooling + a linear head, in the graph.",
            "Trains on DJL PyTorch, keeps the weights of the best evaluation on --eval (the selection set), writes one ONNX"
                + " classifier (token ids and mask in, logits out) and reports its accuracy by ONNX Runtime on --eval, labelled as"
                + " the selection figure, and on --test, the test figure."})
final class FineTuneCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ENCODER.onnx", converter = ModelArgument.class, description = "the encoder (with a last_hidden_state output)")
    Path input;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "CLF.onnx", description = "where to write the classifier")
    Path output;

    @Option(names = "--task", defaultValue = "text-classification", description = "only text-classification (default)")
    String task;

    @Option(names = "--data", required = true, paramLabel = "TRAIN.tsv", description = "training data: sentence and label columns")
    Path data;

    @Option(names = "--eval", required = true, paramLabel = "DEV.tsv",
            description = "selection data, same columns: the weights of its best evaluation are kept")
    Path eval;

    @Option(names = "--test", paramLabel = "TEST.tsv",
            description = "test data, same columns: accuracy reported on it, never used to select (not the --eval data)")
    Path test;

    @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "tokenizer.json (default: the encoder's stem.tokenizer.json beside it, else tokenizer.json there)")
    Path tokenizer;

    @Mixin
    DataFileOptions dataFile;

    @Mixin
    TrainingOptions training;

    @Option(names = "--force", description = "allow overwriting the input model")
    boolean force;

    @Option(names = "--json", description = "print the result as JSON")
    boolean json;

    @Mixin
    QuietOption quiet;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (!task.equals("text-classification")) {
            throw new NncjException("--task must be text-classification, not '" + task + "'");
        }
        FineTuneOptions options = training.toOptions(spec, output);
        SelectionData sets = SelectionData.of("--eval", eval, "--test", test, "the weights kept");
        // read before training, not after an hour of it
        Optional<TextClassificationDataset> testData = sets.test().map(f -> TextClassificationDataset.load(f, dataFile.classification()));
        Path tokenizerFile = tokenizer != null ? tokenizer : ModelOutput.tokenizerBeside(input);
        if (!Files.isRegularFile(tokenizerFile)) {
            throw NncjException.inFile(tokenizerFile, "no tokenizer (give --tokenizer FILE)");
        }
        // checked before training, not after an hour of it
        String typed = ModelOutput.typed(spec, output);
        ModelOutput.checkBeforeWork(typed, output, ModelOutput.Format.ONNX, force, List.of(input));
        InputModel.check(input);
        ProgressListener progress = quiet.progress();
        long start = System.nanoTime();
        FineTuneResult result = FineTuner.run(input, tokenizerFile, data, eval, dataFile.classification(), options, progress,
                List.of());
        double seconds = (System.nanoTime() - start) / 1e9;
        // both accuracies are measured before the classifier takes OUT's name: a failure leaves no OUT
        record Measured(EvalResult selection, Optional<EvalResult> test) {}
        java.util.function.Function<Path, Measured> measure = staged -> new Measured(
                accuracy(staged, TextClassificationDataset.load(eval, dataFile.classification()), tokenizerFile),
                testData.map(t -> accuracy(staged, t, tokenizerFile)));
        SaveOptions save = SaveOptions.defaults().withOverwriteInput(force);
        Measured measured;
        if (ModelOutput.isFolder(typed, output, ModelOutput.Format.ONNX, List.of(input))) {
            measured = ModelOutput.saveFolder(result.classifier(), input, output, save, Optional.of(tokenizerFile),
                    Optional.of(HfConfig.classifier(result.classes())), measure);
        } else {
            measured = StagedModel.save(result.classifier(), output, save, measure);
            ModelOutput.copyTokenizer(Optional.of(tokenizerFile), output, spec.commandLine().getErr());
        }
        print(result, measured.selection(), measured.test(), sets, seconds);
        return 0;
    }

    /** A classifier's accuracy on {@code data} by ONNX Runtime. */
    private EvalResult accuracy(Path classifier, TextClassificationDataset data, Path tokenizerFile) {
        try (TextTokenizer t = TextTokenizer.load(tokenizerFile, TokenizerOptions.defaults().withMaxLength(training.maxLength))) {
            return TextClassificationEval.run(classifier, data, t, EvalOptions.defaults(), ProgressListener.NONE);
        }
    }

    private void print(FineTuneResult result, EvalResult measured, Optional<EvalResult> tested, SelectionData sets,
                       double seconds) {
        PrintWriter out = spec.commandLine().getOut();
        List<Double> losses = result.losses();
        double lastLoss = losses.isEmpty() ? Double.NaN : losses.get(losses.size() - 1);
        if (json) {
            Map<String, Object> obj = new LinkedHashMap<>();
            obj.put("output", output.toString());
            obj.put("classes", result.classes());
            obj.put("steps", result.steps());
            obj.put("best_step", result.bestStep());
            obj.put("stopped_early", result.stoppedEarly());
            obj.put("first_loss", losses.isEmpty() ? null : losses.get(0));
            obj.put("last_loss", lastLoss);
            obj.put("train_seconds", seconds);
            obj.put("eval", measured);
            obj.put("test", tested.orElse(null));
            obj.put("data", sets.json());
            out.println(Json.write(obj));
            return;
        }
        out.printf(Locale.ROOT, "%s: %d classes, %d steps in %.1f s (loss %.4f -> %.4f)%s, kept step %d%n", output,
                result.classes(), result.steps(), seconds, losses.get(0), lastLoss,
                result.stoppedEarly() ? ", stopped early" : "", result.bestStep());
        printAccuracy(out, "dev (selection) accuracy", eval, measured);
        if (tested.isPresent()) {
            printAccuracy(out, "test accuracy", test, tested.get());
        } else {
            out.println("note: no --test: the accuracy above is on the data the weights were selected by, not a test figure");
        }
    }

    private static void printAccuracy(PrintWriter out, String label, Path data, EvalResult r) {
        out.printf(Locale.ROOT, "%s on %s (ONNX Runtime): %.4f  95%% CI [%.4f, %.4f]  n=%d%n", label, data.getFileName(),
                r.value(), r.ci95().low(), r.ci95().high(), r.n());
    }
}
