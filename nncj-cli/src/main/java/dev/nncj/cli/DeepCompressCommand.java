package dev.nncj.cli;

import dev.nncj.NncjException;
import dev.nncj.OptionException;
import dev.nncj.cluster.ClusterInit;
import dev.nncj.data.ImageDataset;
import dev.nncj.sparsity.NncjContainer;
import dev.nncj.sparsity.PruningCriterion;
import dev.nncj.sparsity.PruningPattern;
import dev.nncj.sparsity.PruningSchedule;
import dev.nncj.train.image.ClassifierTraining;
import dev.nncj.train.image.DeepCompression;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "deep-compress", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Prune, cluster and Huffman-code an image classifier.",
            "Deep Compression (Han et al. 2016) of an image classifier: magnitude pruning with retraining, k-means weight sharing with the centroids fine-tuned, Huffman coding into a .nncj container.",
            "Prints every stage's size and accuracy (ONNX Runtime, on a saved file; the last on the model unpacked from the container) on two sets: a validation split held out of the training images (--validation), the figure to choose recipes by, and the test images, the figure to report. `nncj unpack OUT.nncj -o M.onnx` gives the ONNX model."})
final class DeepCompressCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IN.onnx", converter = ModelArgument.class, description = "the trained float classifier (nncj train)")
    Path input;

    @Mixin
    ImageDataOptions data;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.nncj", description = "the container to write")
    Path output;

    @Option(names = "--sparsity", defaultValue = "0.92",
            description = "fraction of weights pruned, one global magnitude threshold; with --sparsity-per-layer, the rate of the weights "
                    + "no PATTERN matches (default ${DEFAULT-VALUE})")
    double sparsity;

    @Option(names = "--sparsity-per-layer", paramLabel = "PATTERN=S", split = ",",
            description = "prune each weight tensor by its own magnitude threshold: weights whose node's op type is PATTERN, or whose "
                    + "initializer or node name matches the regex PATTERN, lose fraction S (first match wins; e.g. "
                    + "fc1.weight=0.92,fc2.weight=0.91,fc3.weight=0.74, the paper's LeNet-300-100 rates)")
    List<String> sparsityPerLayer = new ArrayList<>();

    @Option(names = "--criterion", defaultValue = "magnitude", paramLabel = "C",
            description = "what pruning ranks weights by: magnitude |w| (the paper's), or activation: |w| times the RMS of the input "
                    + "feature it multiplies over " + DeepCompression.ACTIVATION_IMAGES + " training images, measured before every round "
                    + "(Wanda; default ${DEFAULT-VALUE})")
    String criterion;

    @Option(names = "--prune-steps", defaultValue = "3", description = "prune-and-retrain rounds reaching --sparsity (default ${DEFAULT-VALUE})")
    int pruneSteps;

    @Option(names = "--prune-schedule", defaultValue = "linear",
            description = "sparsity of the rounds: linear (S r / N) or geometric (1 - (1 - S)^(r / N): each round removes the same "
                    + "share of the weights left) (default ${DEFAULT-VALUE})")
    String pruneSchedule;

    @Option(names = "--retrain-epochs", defaultValue = "4", description = "epochs of retraining after each pruning round (default ${DEFAULT-VALUE})")
    int retrainEpochs;

    @Option(names = "--retrain-lr", defaultValue = "5e-4", description = "default ${DEFAULT-VALUE}")
    double retrainLr;

    @Option(names = "--retrain-weight-decay", defaultValue = "0",
            description = "AdamW decoupled weight decay while retraining after pruning (Han et al. retrain with L2 regularization); "
                    + "the codebooks are fine-tuned without it (default ${DEFAULT-VALUE})")
    double retrainWeightDecay;

    @Option(names = "--clusters", defaultValue = "32", description = "centroids per weight tensor (default ${DEFAULT-VALUE})")
    int clusters;

    @Option(names = "--init", defaultValue = "linear", description = "k-means initialization: linear, density or random (default ${DEFAULT-VALUE})")
    String init;

    @Option(names = "--recover-epochs", defaultValue = "3", description = "epochs of centroid (and bias) fine-tuning (default ${DEFAULT-VALUE})")
    int recoverEpochs;

    @Option(names = "--recover-lr", defaultValue = "1e-4", description = "default ${DEFAULT-VALUE}")
    double recoverLr;

    @Option(names = "--distill-weight", defaultValue = "0",
            description = "weight of the input model's soft targets (knowledge distillation) in retraining and recovery, the labels "
                    + "getting the rest; 0: labels only (default ${DEFAULT-VALUE})")
    double distillWeight;

    @Option(names = "--teacher", paramLabel = "T.onnx", converter = ModelArgument.class,
            description = "with --distill-weight: learn the soft targets of this classifier instead of the input's (e.g. a LeNet-5"
                    + " teaching LeNet-300-100; a teacher taking [N, 1, H, W] images reads the student's [N, H*W] batches)")
    Path teacher;

    @Option(names = "--temperature", defaultValue = "2", description = "softmax temperature of the soft targets (default ${DEFAULT-VALUE})")
    double temperature;

    @Option(names = "--batch-size", defaultValue = "128", description = "default ${DEFAULT-VALUE}")
    int batchSize;

    @Option(names = "--seed", defaultValue = "42", description = "default ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--json", description = "print JSON")
    boolean json;

    @Mixin
    QuietOption quiet;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        ModelOutput.checkBeforeWork(output, ModelOutput.Format.CONTAINER, false, input);
        DeepCompression.Options options;
        try {
            ClassifierTraining.Options retrain = new ClassifierTraining.Options(retrainEpochs, batchSize, retrainLr, retrainWeightDecay, true, seed);
            ClassifierTraining.Options recover = new ClassifierTraining.Options(recoverEpochs, batchSize, recoverLr, 0, false, seed);
            options = new DeepCompression.Options(sparsityPattern(), PruningCriterion.parse(criterion), pruneSteps, PruningSchedule.parse(pruneSchedule), retrain, clusters, ClusterInit.parse(init), recover,
                    distillWeight == 0 ? Optional.empty() : Optional.of(new ClassifierTraining.Distillation(temperature, distillWeight)),
                    Optional.ofNullable(teacher));
        } catch (IllegalArgumentException e) {
            throw new NncjException(e.getMessage());
        } catch (OptionException e) {
            throw Flags.asFailure(e);
        }
        ImageDataset test = data.test();
        if (test == null) {
            throw new NncjException("deep-compress needs --test-images and --test-labels: every stage's accuracy is reported on them");
        }
        InputModel.check(input);
        if (teacher != null) {
            InputModel.check(teacher);
        }
        ImageDataOptions.TrainingData training = data.train();
        int held = training.validation().map(ImageDataset::size).orElse(0);
        DeepCompression.Result result = DeepCompression.run(input, training.train(), training.validation(), test, output, options, quiet.progress());
        PrintWriter out = spec.commandLine().getOut();
        long fp32 = result.stages().get(0).bytes();
        NncjContainer.PackResult packed = result.packed();
        double weightBits = 8.0 * packed.tensors().stream().mapToLong(NncjContainer.PackedTensor::payloadBytes).sum()
                / Math.max(1, result.clustering().elements());
        if (json) {
            Map<String, Object> obj = new LinkedHashMap<>();
            obj.put("input", input.toString());
            obj.put("output", output.toString());
            List<Map<String, Object>> stages = new ArrayList<>();
            for (DeepCompression.Stage s : result.stages()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("stage", s.name());
                m.put("validation_accuracy", s.validation().isPresent() ? s.validation().getAsDouble() : null);
                m.put("test_accuracy", s.accuracy());
                m.put("bytes", s.bytes());
                m.put("ratio", (double) fp32 / s.bytes());
                stages.add(m);
            }
            obj.put("stages", stages);
            obj.put("train_examples", training.train().size());
            obj.put("validation_examples", held);
            obj.put("test_examples", test.size());
            obj.put("data", dataJson(held));
            obj.put("sparsity", result.pruning().sparsity());
            obj.put("clusters", clusters);
            obj.put("weights", result.clustering().elements());
            obj.put("nonzero_weights", result.clustering().nonZeros());
            obj.put("coded_bits_per_weight", weightBits);
            obj.put("container_bytes", packed.fileBytes());
            obj.put("compression", (double) fp32 / packed.fileBytes());
            out.println(Json.write(obj));
        } else {
            out.printf(Locale.ROOT, "%-40s %12s %8s %10s %10s%n", "stage", "size", "ratio", "val acc", "test acc");
            for (DeepCompression.Stage s : result.stages()) {
                out.printf(Locale.ROOT, "%-40s %12s %7.1fx %10s %10.4f%n", s.name(), Sizes.bytes(s.bytes()), (double) fp32 / s.bytes(),
                        s.validation().isPresent() ? String.format(Locale.ROOT, "%.4f", s.validation().getAsDouble()) : "-",
                        s.accuracy());
            }
            out.printf(Locale.ROOT, "%s: %s of %s weights non-zero (%.2f%%), K=%d per tensor, weight indices and positions coded in "
                    + "%.2f bits per weight (%.2f per non-zero); test set n = %d%n", output, Sizes.count(result.clustering().nonZeros()),
                    Sizes.count(result.clustering().elements()), 100.0 * result.clustering().nonZeros() / result.clustering().elements(),
                    clusters, weightBits, weightBits * result.clustering().elements() / Math.max(1, result.clustering().nonZeros()),
                    test.size());
            out.println(held == 0
                    ? "data: no validation split (--validation 0): a recipe chosen by comparing these test figures is chosen on the test set"
                    : String.format(Locale.ROOT, "data: val acc on %s images held out of %s (--validation, a seeded split, never trained on):"
                            + " choose recipes by it; test acc on %s (--test-images), for reporting only", Sizes.count(held),
                            data.images.getFileName(), data.testImages.getFileName()));
            out.println("note: the container is for storage and shipping; `nncj unpack " + output
                    + " -o M.onnx` restores an ONNX model that runs at float32 speed (ONNX Runtime folds the codebook lookups at load)");
        }
        return 0;
    }

    /** Which images played which part, for --json. */
    private Map<String, Object> dataJson(int held) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("selection", held == 0 ? null : "validation split of " + data.images);
        m.put("selection_option", "--validation");
        m.put("validation_seed", held == 0 ? null : ImageDataset.HOLD_OUT_SEED);
        m.put("test", data.testImages.toString());
        m.put("test_option", "--test-images");
        return m;
    }

    PruningPattern sparsityPattern() {
        if (!(sparsity >= 0 && sparsity < 1)) {
            throw new IllegalArgumentException("--sparsity must be in [0, 1), got " + sparsity);
        }
        if (sparsityPerLayer.isEmpty()) {
            return new PruningPattern.Magnitude(sparsity, PruningPattern.Scope.GLOBAL);
        }
        try {
            return new PruningPattern.LayerRates(sparsityPerLayer.stream().map(PruningPattern.LayerRate::parse).toList(), sparsity);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--sparsity-per-layer: " + e.getMessage(), e);
        }
    }
}
