package dev.nncj.train.pruning;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.train.execution.ExecutorOptions;
import dev.nncj.train.execution.OnnxExecutor;
import dev.nncj.train.execution.SupportCheck;
import dev.nncj.train.ops.TensorArrays;
import dev.nncj.train.trainer.Batch;
import dev.nncj.train.trainer.Loss;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The expected absolute sensitivity of a classifier's loss to its mask inputs (Michel, Levy and
 * Neubig 2019, eq. 2): for every mask input m of shape [batch, units], fed as all ones,
 * <pre>
 * I_u = (1 / N) * sum over examples x of | dL(x) / dm_u |      L = softmax cross-entropy on the label
 * </pre>
 * The masks are per-example inputs rather than one shared initializer so that the absolute value is
 * taken per example, as the equation says; a shared mask would sum the signed gradients of a batch
 * first and let examples cancel. The model's weights are frozen: only the masks get gradients.
 */
public final class MaskGradients {
    private MaskGradients() {}

    /**
     * Mean |dL/dm| per unit of each mask input, by mask name. {@code batches} carry the model's text
     * inputs; the masks are added here as ones.
     */
    public static Map<String, double[]> measure(dev.nncj.onnx.OnnxModel model, List<String> masks, String logits,
            List<Batch> batches, ProgressListener progress) {
        Map<String, double[]> sums = new LinkedHashMap<>();
        Map<String, Integer> widths = new HashMap<>();
        for (String m : masks) {
            var input = model.graph().inputs().stream().filter(v -> v.getName().equals(m)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no mask input " + m));
            int width = (int) input.getType().getTensorType().getShape().getDim(1).getDimValue();
            widths.put(m, width);
            sums.put(m, new double[width]);
        }
        if (!model.graph().isGraphOutput(logits)) {
            throw new NncjException(SupportCheck.describe(model) + ": has no output " + logits
                    + "; gradient importance needs a classifier");
        }
        Loss loss = Loss.softmaxCrossEntropy(logits);
        long examples = 0;
        progress.start("gradient importance", batches.size());
        // every weight frozen: backward computes the masks' gradients and nothing else
        try (OnnxExecutor executor = OnnxExecutor.create(model, ExecutorOptions.defaults().freezing("."))) {
            for (Batch batch : batches) {
                try (NDManager scope = executor.manager().newSubManager()) {
                    Map<String, NDArray> inputs = new HashMap<>();
                    batch.inputs().forEach((name, t) -> inputs.put(name, TensorArrays.toArray(scope, t)));
                    List<NDArray> maskArrays = new ArrayList<>();
                    for (String m : masks) {
                        NDArray ones = scope.ones(new ai.djl.ndarray.types.Shape(batch.size(), widths.get(m)));
                        ones.setRequiresGradient(true);
                        inputs.put(m, ones);
                        maskArrays.add(ones);
                    }
                    NDArray labels = scope.create(batch.labels());
                    try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                        // the loss is a batch mean: times the batch size, each row's gradient is its own example's
                        NDArray value = loss.compute(executor.forward(scope, inputs), labels, inputs).mul((float) batch.size());
                        collector.backward(value);
                    }
                    for (int i = 0; i < masks.size(); i++) {
                        float[] g = maskArrays.get(i).getGradient().abs().sum(new int[] {0}).toFloatArray();
                        double[] s = sums.get(masks.get(i));
                        for (int u = 0; u < s.length; u++) {
                            s[u] += g[u];
                        }
                    }
                }
                examples += batch.size();
                progress.advance(1);
            }
        }
        progress.finish();
        for (double[] s : sums.values()) {
            for (int u = 0; u < s.length; u++) {
                s[u] /= examples;
            }
        }
        return sums;
    }
}
