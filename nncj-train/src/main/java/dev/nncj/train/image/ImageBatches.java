package dev.nncj.train.image;

import dev.nncj.data.ImageDataset;
import dev.nncj.onnx.Tensor;
import dev.nncj.train.trainer.Batch;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** An image dataset cut into training {@link Batch}es for a graph with one pixel input (a {@link LeNet}) (the last batch may be smaller). */
public final class ImageBatches {
    private ImageBatches() {}

    public static List<Batch> of(ImageDataset data, int batchSize, String input, boolean images) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        List<Batch> batches = new ArrayList<>();
        for (int start = 0; start < data.size(); start += batchSize) {
            int n = Math.min(batchSize, data.size() - start);
            long[] shape = images ? new long[] {n, 1, data.rows(), data.cols()} : new long[] {n, data.imageSize()};
            long[] labels = new long[n];
            for (int i = 0; i < n; i++) {
                labels[i] = data.label(start + i);
            }
            batches.add(new Batch(Map.of(input, Tensor.ofFloats(input, shape, data.pixels(start, n))), labels));
        }
        return batches;
    }
}
