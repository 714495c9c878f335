package dev.nncj.train.image;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.TempFiles;
import dev.nncj.calibration.CalibrationData;
import dev.nncj.cluster.ClusterInit;
import dev.nncj.cluster.ClusterOptions;
import dev.nncj.cluster.ClusterResult;
import dev.nncj.cluster.WeightClusterer;
import dev.nncj.data.ImageDataset;
import dev.nncj.eval.EvalOptions;
import dev.nncj.eval.ImageClassificationEval;
import dev.nncj.onnx.NodeFilter;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.provenance.Provenance;
import dev.nncj.sparsity.NncjContainer;
import dev.nncj.sparsity.PruningCriterion;
import dev.nncj.sparsity.PruningPattern;
import dev.nncj.sparsity.PruningSchedule;
import dev.nncj.sparsity.Sparsifier;
import dev.nncj.sparsity.SparsifyOptions;
import dev.nncj.sparsity.SparsifyResult;
import dev.nncj.sparsity.Storage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Deep Compression's three stages (Han et al. 2016) on an image classifier: magnitude pruning with
 * retraining under the mask (in {@code pruneSteps} rounds of rising sparsity, as the paper prunes
 * iteratively), k-means weight sharing with the centroids (and biases) fine-tuned by training, and
 * Huffman coding in the {@code .nncj} container. Every accuracy is ONNX Runtime's on a saved file;
 * the last is the accuracy of the model unpacked from the container that was written.
 *
 * <p>Each stage is measured on two sets: a validation split held out of the training images, the
 * figure to choose recipes and settings by, and the test set, the figure to report, which nothing
 * here or in the choice of a recipe may look at ({@link dev.nncj.data.HeldOutData}). A recipe picked
 * as the best of several on test accuracy reports that best's luck as well as its quality.
 */
public final class DeepCompression {
    /** Training images the activation criterion's statistics are measured on (from the first). */
    public static final int ACTIVATION_IMAGES = 10_000;
    /** Images per ONNX Runtime call while measuring them: images need no padding, so this only bounds memory. */
    static final int ACTIVATION_BATCH_SIZE = 256;

    private DeepCompression() {}

    /**
     * @param sparsity the final magnitude pruning of MatMul/Gemm/Conv weights: one global threshold
     *     ({@link PruningPattern.Magnitude}) or a rate per layer ({@link PruningPattern.LayerRates})
     * @param criterion what weights are ranked by: |w|, or |w| times their input's RMS over
     *     {@link #ACTIVATION_IMAGES} training images, measured again before every round
     * @param pruneSteps rounds of prune-then-retrain reaching {@code sparsity}
     * @param schedule the sparsity of each round on the way
     * @param retrain training after each pruning round (zeros kept)
     * @param clusters centroids per weight tensor
     * @param init k-means initialization
     * @param recover training of the codebooks and biases after clustering
     * @param distillation the teacher's soft targets in retraining and recovery, or labels alone
     * @param teacher the classifier whose soft targets are learned, when not the uncompressed input (e.g.
     *     a LeNet-5 teaching a pruned LeNet-300-100: a teacher taking [N, 1, H, W] reads the student's
     *     [N, H*W] batches through a Reshape)
     */
    public record Options(PruningPattern sparsity, PruningCriterion criterion, int pruneSteps, PruningSchedule schedule, ClassifierTraining.Options retrain,
                          int clusters, ClusterInit init, ClassifierTraining.Options recover, Optional<ClassifierTraining.Distillation> distillation,
                          Optional<Path> teacher) {
        public Options {
            java.util.Objects.requireNonNull(schedule, "schedule");
            java.util.Objects.requireNonNull(criterion, "criterion");
            if (sparsity instanceof PruningPattern.NofM) {
                throw new IllegalArgumentException("deep-compress prunes by magnitude, not N:M");
            }
            if (pruneSteps < 1) {
                throw new dev.nncj.OptionException(dev.nncj.OptionName.of("pruneSteps"), " must be >= 1, got " + pruneSteps);
            }
            new ClusterOptions(clusters, init, NodeFilter.all(), false, retrain.seed()); // validates K before any work
            java.util.Objects.requireNonNull(distillation, "distillation");
            if (teacher.isPresent() && distillation.isEmpty()) {
                throw new dev.nncj.OptionException("a teacher needs a soft-target weight (", dev.nncj.OptionName.of("distillation"), ")");
            }
        }
    }

    /**
     * One stage's figures by ONNX Runtime, and the bytes of the file they were measured on.
     *
     * @param validation accuracy on the validation split (the selection figure), empty without one
     * @param accuracy accuracy on the test set (the reported figure)
     */
    public record Stage(String name, OptionalDouble validation, double accuracy, long bytes) {}

    public record Result(List<Stage> stages, SparsifyResult pruning, ClusterResult clustering, NncjContainer.PackResult packed) {}

    /** As {@link #run(Path, ImageDataset, Optional, ImageDataset, Path, Options, ProgressListener)} without a validation split. */
    public static Result run(Path input, ImageDataset train, ImageDataset test, Path output, Options options,
                             ProgressListener progress) {
        return run(input, train, Optional.empty(), test, output, options, progress);
    }

    /**
     * Compresses {@code input} into the container {@code output}.
     *
     * @param train the training set (retraining and recovery, the activation statistics)
     * @param validation images held out of training, every stage's selection figure
     * @param test the set every stage's accuracy is reported on (never trained or selected on)
     */
    public static Result run(Path input, ImageDataset train, Optional<ImageDataset> validation, ImageDataset test,
                             Path output, Options options, ProgressListener progress) {
        Sets sets = new Sets(validation, test);
        OnnxModel model = OnnxFiles.load(input);
        Path teacherFile = options.teacher().orElse(input);
        Optional<ClassifierTraining.Teacher> teacher = options.distillation()
                .map(d -> new ClassifierTraining.Teacher(TeacherInput.adapt(OnnxFiles.load(teacherFile), teacherFile, model), d));
        Path dir = output.toAbsolutePath().getParent();
        List<Stage> stages = new ArrayList<>();
        try {
            Files.createDirectories(dir);
            Path scratch = TempFiles.createFile(dir, ".deep-compress-", ".onnx");
            try {
                stages.add(sets.stage("fp32", input, Files.size(input), progress));
                SparsifyResult pruning = null;
                for (int round = 1; round <= options.pruneSteps(); round++) {
                    SparsifyOptions prune = new SparsifyOptions(options.schedule().at(options.sparsity(), round, options.pruneSteps()),
                            NodeFilter.all(), false, Storage.DENSE);
                    if (options.criterion() == PruningCriterion.ACTIVATION) {
                        prune = prune.withInputMeanSquares(inputMeanSquares(model, train, progress));
                    }
                    pruning = Sparsifier.sparsify(model, input, prune);
                    ClassifierTraining.train(model, train, options.retrain().withKeepZeros(true), teacher, progress);
                    // every round's accuracy: where pruning loses it is what tuning the rounds needs to know
                    stages.add(measure(String.format(java.util.Locale.ROOT, "pruned %.3f + retrained (round %d/%d)",
                            pruning.sparsity(), round, options.pruneSteps()), model, scratch, sets, progress));
                }
                Provenance.record(model, input, "deep-compress:prune", Map.of("sparsity", options.sparsity().toString(),
                        "criterion", options.criterion().cliName(),
                        "prune_steps", options.pruneSteps(), "schedule", options.schedule().cliName(),
                        "retrain_epochs", options.retrain().epochs(), "retrain_lr", options.retrain().learningRate(),
                        "retrain_weight_decay", options.retrain().weightDecay(), "distillation", distillationName(options),
                        "validation_images", validation.map(ImageDataset::size).orElse(0)));
                ClusterResult clustering = WeightClusterer.cluster(model, input,
                        new ClusterOptions(options.clusters(), options.init(), NodeFilter.all(), false, options.retrain().seed()));
                stages.add(measure("clustered K=" + options.clusters() + " " + options.init().cliName(), model, scratch, sets, progress));
                ClassifierTraining.train(model, train, options.recover(), teacher, progress);
                Map<String, Object> shareOptions = new LinkedHashMap<>();
                shareOptions.put("clusters", options.clusters());
                shareOptions.put("init", options.init().cliName());
                shareOptions.put("recover_epochs", options.recover().epochs());
                shareOptions.put("distillation", distillationName(options));
                Provenance.record(model, input, "deep-compress:share", shareOptions);
                stages.add(measure("centroids fine-tuned", model, scratch, sets, progress));
                NncjContainer.PackResult packed = NncjContainer.write(model, output);
                OnnxFiles.save(NncjContainer.read(output), scratch, dev.nncj.onnx.SaveOptions.defaults().withOverwriteInput(true));
                stages.add(sets.stage("Huffman container (unpacked)", scratch, packed.fileBytes(), progress));
                return new Result(stages, pruning, clustering, packed);
            } finally {
                TempFiles.delete(scratch);
            }
        } catch (IOException e) {
            throw NncjException.inFile(dir, "cannot write: " + e.getMessage(), e);
        }
    }

    /** E[x_k^2] of the input of every prunable weight, on the model as the previous round left it. */
    private static Map<String, double[]> inputMeanSquares(OnnxModel model, ImageDataset train, ProgressListener progress) {
        return Sparsifier.inputMeanSquares(model, NodeFilter.all(),
                new CalibrationData.Images(train, ACTIVATION_IMAGES, ACTIVATION_BATCH_SIZE), progress);
    }

    private static String distillationName(Options options) {
        return options.distillation().map(d -> "soft targets T=" + d.temperature() + " weight " + d.softWeight()
                + options.teacher().map(t -> " of " + t.getFileName()).orElse("")).orElse("none");
    }

    private static Stage measure(String name, OnnxModel model, Path scratch, Sets sets, ProgressListener progress)
            throws IOException {
        OnnxFiles.save(model, scratch, dev.nncj.onnx.SaveOptions.defaults().withOverwriteInput(true));
        return sets.stage(name, scratch, Files.size(scratch), progress);
    }

    /** The two sets every stage is measured on. */
    private record Sets(Optional<ImageDataset> validation, ImageDataset test) {
        Stage stage(String name, Path file, long bytes, ProgressListener progress) {
            OptionalDouble v = validation.map(d -> OptionalDouble.of(accuracy(file, d, progress))).orElse(OptionalDouble.empty());
            return new Stage(name, v, accuracy(file, test, progress), bytes);
        }
    }

    static double accuracy(Path model, ImageDataset test, ProgressListener progress) {
        return ImageClassificationEval.run(model, test, EvalOptions.defaults(), progress).value();
    }
}
