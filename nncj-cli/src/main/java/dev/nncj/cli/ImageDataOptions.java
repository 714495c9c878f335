package dev.nncj.cli;

import dev.nncj.data.HeldOutData;
import dev.nncj.data.ImageDataset;
import java.nio.file.Path;
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

    ImageDataset train() {
        return ImageDataset.load(images, labels);
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
