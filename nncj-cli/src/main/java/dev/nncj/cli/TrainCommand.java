package dev.nncj.cli;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.data.ImageDataset;
import dev.nncj.eval.EvalOptions;
import dev.nncj.eval.ImageClassificationEval;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.SaveOptions;
import dev.nncj.provenance.Provenance;
import dev.nncj.runtime.StagedModel;
import dev.nncj.train.image.ClassifierTraining;
import dev.nncj.train.image.LeNet;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a LeNet image classifier from scratch on IDX images.",
            "LeNet-300-100 or LeNet-5 on MNIST-style IDX data, trained on DJL's PyTorch engine (CPU).",
            "Writes one ONNX model (pixels in [0, 1] in, logits out) and, with --test-images/--test-labels, prints its test accuracy measured by ONNX Runtime."})
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--arch", required = true, paramLabel = "ARCH", description = "lenet-300-100 (784-300-100-10 MLP) or lenet-5 (Caffe's conv net)")
    String arch;

    @Mixin
    ImageDataOptions data;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "MODEL.onnx", description = "where to write the trained model")
    Path output;

    @Option(names = "--epochs", defaultValue = "10", description = "default ${DEFAULT-VALUE}")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "128", description = "default ${DEFAULT-VALUE}")
    int batchSize;

    @Option(names = "--lr", defaultValue = "1e-3", description = "AdamW peak learning rate, linear decay to 0 (default ${DEFAULT-VALUE})")
    double learningRate;

    @Option(names = "--weight-decay", defaultValue = "0", description = "AdamW decoupled weight decay (default ${DEFAULT-VALUE})")
    double weightDecay;

    @Option(names = "--seed", defaultValue = "42", description = "initialization, shuffling (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--json", description = "print JSON")
    boolean json;

    @Mixin
    QuietOption quiet;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        LeNet architecture;
        ClassifierTraining.Options options;
        try {
            architecture = LeNet.parse(arch);
            options = new ClassifierTraining.Options(epochs, batchSize, learningRate, weightDecay, false, seed);
        } catch (dev.nncj.OptionException e) {
            throw Flags.asFailure(e);
        }
        ModelOutput.checkBeforeWork(output, ModelOutput.Format.ONNX, false, List.of());
        ImageDataset test = data.test();
        ImageDataOptions.TrainingData training = data.train();
        ImageDataset train = training.train();
        ProgressListener progress = quiet.progress();
        OnnxModel model = architecture.build(seed);
        long start = System.nanoTime();
        double loss = ClassifierTraining.train(model, train, options, progress);
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, Object> record = CommandProvenance.options(spec);
        record.put("validation_images", training.validation().map(ImageDataset::size).orElse(0));
        Provenance.record(model, data.images, "train", record);
        record Measured(Double test, Double validation) {}
        Measured measured = StagedModel.save(model, output, SaveOptions.defaults(), staged -> new Measured(
                test == null ? null : ImageClassificationEval.run(staged, test, EvalOptions.defaults(), progress).value(),
                training.validation().map(v -> ImageClassificationEval.run(staged, v, EvalOptions.defaults(), progress).value())
                        .orElse(null)));
        Double accuracy = measured.test();
        Double validationAccuracy = measured.validation();
        long bytes;
        try {
            bytes = Files.size(output);
        } catch (IOException e) {
            throw NncjException.inFile(output, "cannot read back: " + e.getMessage(), e);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> obj = new LinkedHashMap<>(record);
            obj.put("output", output.toString());
            obj.put("parameters", model.graph().parameterCount());
            obj.put("bytes", bytes);
            obj.put("last_epoch_loss", loss);
            obj.put("train_seconds", seconds);
            obj.put("train_examples", train.size());
            obj.put("validation_accuracy", validationAccuracy);
            obj.put("test_accuracy", accuracy);
            obj.put("test_examples", test == null ? null : test.size());
            out.println(Json.write(obj));
        } else {
            out.printf(Locale.ROOT, "%s: %s, %s parameters, %s, %d epochs in %.0f s on %d images, last-epoch loss %.4f%s%n", output,
                    architecture.cliName(), Sizes.count(model.graph().parameterCount()), Sizes.bytes(bytes), epochs, seconds, train.size(), loss,
                    (validationAccuracy == null ? "" : String.format(Locale.ROOT, ", validation accuracy %.4f (n = %d held out of %s)",
                            validationAccuracy, training.validation().get().size(), data.images.getFileName()))
                    + (accuracy == null ? "" : String.format(Locale.ROOT, ", test accuracy %.4f (ONNX Runtime, n = %d)", accuracy, test.size())));
        }
        return 0;
    }
}
