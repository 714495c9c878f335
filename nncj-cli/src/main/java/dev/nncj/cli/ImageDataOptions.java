package dev.nncj.cli;

import dev.nncj.data.HeldOutData;
import dev.nncj.data.ImageDataset;
import dev.nncj.OptionException;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The IDX training and test files of the image commands (train, deep-compress); gzipped files are read as they are. */
final class ImageDataOptions {
    @Option(names = "--images", required = true, paramLabel = "TRAIN-IMAGES.idx", description = "training images (IDX, e.g. train-images-idx3-ubyte.gz)")
    Path images;

    @Option(names = "--labels", required = true, paramLabel = "TRAIN-LABELS.idx", description = "training labels (IDX)")
    Path labels;

    @Option(names = "--test-images", paramLabel = "TEST-IMAGES.idx", description = "test images: accuracy by ONNX Runtime is reported on them")
    Path testImages;

    @Option(names = "--test-labels", paramLabel = "TEST-LABELS.idx", description = "test labels (IDX)")
    Path testLabels;

    @Option(names = "--validation", paramLabel = "N",
            description = "training images held out as the validation split, never trained on: a seeded choice, the same for every"
                    + " --seed and for train and deep-compress, so a model trained here is never selected on images it saw;"
                    + " 0: no split (default: a tenth of the training images)")
    Integer validation;

    /** The training images minus the validation split, and the split (empty with --validation 0). */
    record TrainingData(ImageDataset train, Optional<ImageDataset> validation) {}

    TrainingData train() {
        ImageDataset all = ImageDataset.load(images, labels);
        int held = validation == null ? all.size() / 10 : validation;
        if (held < 0 || held >= all.size()) {
            throw new OptionException("--validation must be in 0.." + (all.size() - 1) + " (" + images + " has " + all.size()
                    + " images), not " + held);
        }
        if (held == 0) {
            return new TrainingData(all, Optional.empty());
        }
        ImageDataset.Split split = all.holdOut(held);
        return new TrainingData(split.train(), Optional.of(split.validation()));
    }

    /**
     * The test set, or null when not given; one of the two files alone is a usage error, and so are
     * test images that are the training images (the figure would be on what the model was fit to).
     */
    ImageDataset test() {
        if ((testImages == null) != (testLabels == null)) {
            throw new dev.nncj.NncjException("give both --test-images and --test-labels, or neither");
        }
        if (testImages != null) {
            HeldOutData.refuseShared(new HeldOutData.Role("training data", images).from("--images"),
                    HeldOutData.Role.test(testImages).from("--test-images"));
        }
        return testImages == null ? null : ImageDataset.load(testImages, testLabels);
    }
}
