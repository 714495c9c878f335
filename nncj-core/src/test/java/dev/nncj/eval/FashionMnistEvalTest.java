package dev.nncj.eval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nncj.ProgressListener;
import dev.nncj.data.ImageDataset;
import dev.nncj.data.RequiredDatasets;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.GraphBuilder;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.Tensor;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Image classification on the real Fashion-MNIST (Debian's dataset-fashion-mnist, which .ci/run
 * installs) with a nearest-centroid classifier computed here from the training set and written as
 * ONNX: argmin ||x - c||² = argmax (x·c - ||c||²/2), one Gemm.
 */
class FashionMnistEvalTest {
    static final Path DIR = RequiredDatasets.FASHION_MNIST;

    @TempDir
    Path tmp;

    @Test
    void nearestCentroidClassifierScoresAboutSeventyPercent() {
        Path[] files = {DIR.resolve("train-images-idx3-ubyte.gz"), DIR.resolve("train-labels-idx1-ubyte.gz"),
            DIR.resolve("t10k-images-idx3-ubyte.gz"), DIR.resolve("t10k-labels-idx1-ubyte.gz")};
        RequiredDatasets.require("dataset-fashion-mnist", files); // .ci/run makes a missing file a failure
        ImageDataset train = ImageDataset.load(files[0], files[1]);
        ImageDataset test = ImageDataset.load(files[2], files[3]);
        int pixels = train.imageSize();
        int classes = train.numClasses();
        float[] weights = new float[pixels * classes]; // [pixels, classes]: column c is centroid c
        int[] counts = new int[classes];
        for (int i = 0; i < train.size(); i++) {
            float[] x = train.pixels(i);
            int label = train.label(i);
            counts[label]++;
            for (int p = 0; p < pixels; p++) {
                weights[p * classes + label] += x[p];
            }
        }
        float[] bias = new float[classes];
        for (int c = 0; c < classes; c++) {
            for (int p = 0; p < pixels; p++) {
                weights[p * classes + c] /= counts[c];
                bias[c] -= weights[p * classes + c] * weights[p * classes + c] / 2;
            }
        }
        GraphBuilder b = new GraphBuilder("nearest_centroid", 17);
        String x = b.input("pixels", DataType.FLOAT, "batch", pixels);
        String w = b.initializer(Tensor.ofFloats("centroids", new long[] {pixels, classes}, weights));
        String c = b.initializer(Tensor.ofFloats("bias", new long[] {classes}, bias));
        b.output(b.op("Gemm", x, w, c), "logits", DataType.FLOAT, "batch", classes);
        Path model = tmp.resolve("centroid.onnx");
        OnnxFiles.save(b.build(), model);

        EvalResult r = ImageClassificationEval.run(model, test, EvalOptions.defaults().withBatchSize(500), ProgressListener.NONE);
        assertThat(r.n()).isEqualTo(10_000);
        // nearest class mean is a weak but real classifier on Fashion-MNIST: about 68% here
        assertThat(r.value()).isBetween(0.60, 0.80);
        assertThat(r.ci95().width()).isLessThan(0.02);
    }
}
