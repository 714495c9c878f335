package dev.nncj.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import dev.nncj.NncjException;
import dev.nncj.train.ops.TensorArrays;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A training session over an {@link OnnxExecutor}'s trainable parameters: AdamW with linear
 * warm-up and decay, global gradient-norm clipping, listeners. Closing it frees the optimizer state;
 * the executor (and so the trained parameters) stays with its owner, who writes them back with
 * {@link OnnxExecutor#writeParameters}.
 *
 * <pre>{@code
 * try (OnnxExecutor model = OnnxExecutor.create(onnx, ExecutorOptions.defaults());
 *      Trainer trainer = new Trainer(model, Loss.softmaxCrossEntropy("logits"), options, List.of(log))) {
 *     trainer.fit(batches, epochs);
 *     model.writeParameters(onnx);
 * }
 * }</pre>
 *
 * <p>Each step runs in its own NDManager, closed before the step returns: memory does not grow
 * with the number of steps.
 */
public final class Trainer implements AutoCloseable {
    private final OnnxExecutor executor;
    private final Loss loss;
    private final TrainerOptions options;
    private final List<TrainingListener> listeners;
    private final AdamW optimizer;
    private final Random shuffling;
    private int step;

    public Trainer(OnnxExecutor executor, Loss loss, TrainerOptions options, List<TrainingListener> listeners) {
        if (executor.trainableParameters().isEmpty()) {
            throw new NncjException(SupportCheck.describe(executor.model()) + ": nothing to train: every parameter is frozen");
        }
        this.executor = executor;
        this.loss = loss;
        this.options = options;
        this.listeners = List.copyOf(listeners);
        this.optimizer = new AdamW(executor.manager(), options);
        this.shuffling = new Random(options.seed());
        // PyTorch's generator (dropout, random init) is seeded too, so equal seeds give equal runs.
        Engine.getEngine("PyTorch").setRandomSeed((int) options.seed());
    }

    /** Steps taken so far. */
    public int steps() {
        return step;
    }

    /** One optimizer step on {@code batch}. Throws NncjException naming the step when the loss is not finite. */
    public StepResult step(Batch batch) {
        long start = System.nanoTime();
        List<Parameter> trainable = executor.trainableParameters();
        executor.zeroGradients();
        double lossValue;
        double norm;
        try (NDManager scope = executor.manager().newSubManager()) {
            Map<String, NDArray> inputs = new HashMap<>();
            batch.inputs().forEach((name, t) -> inputs.put(name, TensorArrays.toArray(scope, t)));
            NDArray labels = scope.create(batch.labels());
            try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray value = loss.compute(executor.forward(scope, inputs), labels);
                lossValue = value.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble();
                if (!Double.isFinite(lossValue)) {
                    throw new NncjException("loss is " + lossValue + " at step " + step
                            + "; lower the learning rate (now " + options.learningRateAt(step) + ")");
                }
                collector.backward(value);
            }
            norm = clipGradients(trainable);
        }
        double lr = options.learningRateAt(step);
        optimizer.update(trainable, lr);
        StepResult result = new StepResult(step, lossValue, lr, norm, batch.size(), System.nanoTime() - start);
        step++;
        listeners.forEach(l -> l.onStep(result));
        return result;
    }

    /** {@code epochs} passes over {@code batches}, in an order shuffled by the seed each epoch. */
    public void fit(List<Batch> batches, int epochs) {
        List<Batch> order = new ArrayList<>(batches);
        for (int epoch = 0; epoch < epochs && step < options.totalSteps(); epoch++) {
            Collections.shuffle(order, shuffling);
            for (Batch batch : order) {
                if (step >= options.totalSteps()) {
                    break;
                }
                step(batch);
            }
        }
        listeners.forEach(l -> l.onFitEnd(step));
    }

    /** Global L2 norm of all gradients; scales them in place down to maxGradNorm when above it. */
    private double clipGradients(List<Parameter> trainable) {
        double sumOfSquares = 0;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            List<NDArray> grads = new ArrayList<>();
            for (Parameter p : trainable) {
                NDArray g = p.array().getGradient();
                grads.add(g);
                sumOfSquares += g.square().sum().toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble();
            }
            double norm = Math.sqrt(sumOfSquares);
            if (options.maxGradNorm() > 0 && norm > options.maxGradNorm()) {
                double scale = options.maxGradNorm() / (norm + 1e-6);
                grads.forEach(g -> g.muli(scale));
            }
            return norm;
        }
    }

    @Override
    public void close() {
        optimizer.close();
    }
}
