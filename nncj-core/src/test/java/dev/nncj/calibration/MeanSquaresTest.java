package dev.nncj.calibration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.nncj.ProgressListener;
import dev.nncj.data.ImageDataset;
import dev.nncj.data.SyntheticImages;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.GraphBuilder;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MeanSquaresTest {
    @TempDir
    Path dir;

    /**
     * x[N,784] ── Mul(2) ── h ── Relu ── y. E[h_k^2] is 4 E[x_k^2] per pixel k; the graph input's
     * statistics are read from the fed pixels.
     */
    @Test
    void meanSquaresPerFeatureOfTheInputAndOfAnIntermediate() throws IOException {
        SyntheticImages.IdxPair pair = SyntheticImages.write(dir, "train", 300, 5);
        ImageDataset data = ImageDataset.load(pair.images(), pair.labels());
        GraphBuilder b = new GraphBuilder("double", 17);
        String x = b.input("x", DataType.FLOAT, "N", 784);
        String two = b.initializer(Tensor.ofFloats("two", new long[] {1}, 2f));
        String h = b.op("Mul", x, two);
        b.output(b.op("Relu", h), "y", DataType.FLOAT, "N", 784);
        OnnxModel model = b.build();

        Map<String, double[]> m = MeanSquares.measure(model, List.of("x", h), new CalibrationData.Images(data, 260, 256),
                ProgressListener.NONE);
        double[] expected = new double[784];
        float[] pixels = data.pixels(0, 260); // the first 260 images, as asked (across two batches of 256)
        for (int i = 0; i < pixels.length; i++) {
            expected[i % 784] += pixels[i] * (double) pixels[i] / 260;
        }
        assertThat(m.get("x")).hasSize(784);
        assertThat(m.get(h)).hasSize(784);
        for (int k = 0; k < 784; k++) {
            assertThat(m.get("x")[k]).isCloseTo(expected[k], within(1e-6));
            assertThat(m.get(h)[k]).isCloseTo(4 * expected[k], within(1e-5));
        }
        assertThat(model.graph().outputs()).hasSize(1); // the model measured is left as it was
    }
}
