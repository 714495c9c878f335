package dev.nncj.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import ai.djl.ndarray.NDList;
import dev.nncj.NncjException;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.SaveOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
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
    private static final String MODEL_FILE = "model.onnx";
    private static final String OPTIMIZER_FILE = "optimizer.djl";
    private static final String STATE_FILE = "trainer.properties";

    private int step;
    private int epoch;
    private int position;
    private Evaluator evaluator;
    private EarlyStopping stopping;
    private double best = Double.NaN;
    private int bestStep = -1;
    private int evaluationsWithoutImprovement;
    private boolean stopped;

    public Trainer(OnnxExecutor executor, Loss loss, TrainerOptions options, List<TrainingListener> listeners) {
        if (executor.trainableParameters().isEmpty()) {
            throw new NncjException(SupportCheck.describe(executor.model()) + ": nothing to train: every parameter is frozen");
        }
        this.executor = executor;
        this.loss = loss;
        this.options = options;
        this.listeners = List.copyOf(listeners);
        this.optimizer = new AdamW(executor.manager(), options);
        // PyTorch's generator (dropout, random init) is seeded too, so equal seeds give equal runs.
        Engine.getEngine("PyTorch").setRandomSeed((int) options.seed());
        this.listeners.forEach(l -> l.onStart(options.totalSteps()));
    }

    /** Evaluates with {@code evaluator} as {@code stopping} says during {@link #fit}. */
    public void evaluateWith(Evaluator evaluator, EarlyStopping stopping) {
        this.evaluator = java.util.Objects.requireNonNull(evaluator);
        this.stopping = java.util.Objects.requireNonNull(stopping);
    }

    /** The best evaluation so far (NaN before the first). */
    public double bestMetric() {
        return best;
    }

    /** The step after which the best evaluation was made, or -1. */
    public int bestStep() {
        return bestStep;
    }

    /** Whether {@link #fit} ended early because evaluations stopped improving. */
    public boolean stoppedEarly() {
        return stopped;
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
            Map<String, NDArray> inputs = batch.arrays(scope);
            NDArray labels = scope.create(batch.labels());
            try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray value = loss.compute(executor.forward(scope, inputs, loss.values()), labels, inputs);
                lossValue = value.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble();
                if (!Double.isFinite(lossValue)) {
                    throw new TrainingDivergedException(step, lossValue, options.learningRateAt(step));
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

    /**
     * {@code epochs} passes over {@code batches}; epoch e visits them in an order shuffled by
     * (seed, e), so a run resumed from a checkpoint continues exactly where it stopped.
     */
    public void fit(List<Batch> batches, int epochs) {
        fit(batches, epochs, options.totalSteps());
    }

    /** As {@link #fit(List, int)}, stopping early once {@code untilStep} steps have been taken. */
    public void fit(List<Batch> batches, int epochs, int untilStep) {
        int last = Math.min(untilStep, options.totalSteps());
        while (epoch < epochs && step < last) {
            List<Batch> order = new ArrayList<>(batches);
            Collections.shuffle(order, new Random(options.seed() * 1_000_003L + epoch));
            while (position < order.size() && step < last && !stopped) {
                step(order.get(position));
                position++;
                if (evaluator != null && step % stopping.everySteps() == 0 && step >= stopping.firstStep()) {
                    evaluate();
                }
            }
            if (stopped) {
                break;
            }
            if (position >= order.size()) {
                epoch++;
                position = 0;
            }
        }
        listeners.forEach(l -> l.onFitEnd(step));
    }

    /**
     * Saves what resuming needs into {@code dir}: model.onnx (the graph with the current parameter
     * values, also written into the executor's model), optimizer.djl (AdamW's moments) and
     * trainer.properties (step, epoch, position in the epoch, seed). Each file is written to a
     * temporary name and renamed, so a crash leaves the previous checkpoint whole.
     */
    public void saveCheckpoint(Path dir) {
        try {
            Files.createDirectories(dir);
            executor.writeParameters(executor.model());
            OnnxFiles.save(executor.model(), dir.resolve(MODEL_FILE), SaveOptions.defaults().withOverwriteInput(true));
            writeAtomically(dir.resolve(OPTIMIZER_FILE), optimizer.state().encode());
            Properties p = new Properties();
            p.setProperty("step", Integer.toString(step));
            p.setProperty("epoch", Integer.toString(epoch));
            p.setProperty("position", Integer.toString(position));
            p.setProperty("optimizer_steps", Integer.toString(optimizer.steps()));
            p.setProperty("seed", Long.toString(options.seed()));
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            p.store(bytes, "NNCJ trainer checkpoint");
            writeAtomically(dir.resolve(STATE_FILE), bytes.toByteArray());
        } catch (IOException e) {
            throw NncjException.inFile(dir, "cannot write checkpoint: " + e.getMessage(), e);
        }
    }

    /** The model of a checkpoint, to build the executor a resumed {@link Trainer} runs on. */
    public static dev.nncj.onnx.OnnxModel checkpointModel(Path dir) {
        return OnnxFiles.load(dir.resolve(MODEL_FILE));
    }

    /**
     * Continues from {@code dir}: optimizer moments, step, epoch and position. The executor must
     * hold the checkpoint's model ({@link #checkpointModel}) and the options the same seed.
     */
    public void restoreCheckpoint(Path dir) {
        Properties p = new Properties();
        try (var in = Files.newInputStream(dir.resolve(STATE_FILE))) {
            p.load(in);
            long seed = Long.parseLong(p.getProperty("seed"));
            if (seed != options.seed()) {
                throw NncjException.inFile(dir, "checkpoint was trained with seed " + seed + ", not " + options.seed());
            }
            byte[] saved = Files.readAllBytes(dir.resolve(OPTIMIZER_FILE));
            try (NDManager scratch = executor.manager().newSubManager()) {
                optimizer.restore(executor.trainableParameters(), NDList.decode(scratch, saved),
                        Integer.parseInt(p.getProperty("optimizer_steps")));
            }
            step = Integer.parseInt(p.getProperty("step"));
            epoch = Integer.parseInt(p.getProperty("epoch"));
            position = Integer.parseInt(p.getProperty("position"));
        } catch (IOException | RuntimeException e) {
            if (e instanceof NncjException n) {
                throw n;
            }
            throw NncjException.inFile(dir, "not a usable checkpoint: " + e.getMessage(), e);
        }
    }

    private static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path temp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.write(temp, bytes);
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** One evaluation: a new best is checkpointed (when asked); too many without one stop the run. */
    private void evaluate() {
        double metric = evaluator.evaluate(executor);
        boolean improved = stopping.improves(metric, best);
        if (improved) {
            best = metric;
            bestStep = step;
            evaluationsWithoutImprovement = 0;
            if (stopping.bestCheckpoint() != null) {
                saveCheckpoint(stopping.bestCheckpoint());
            }
        } else {
            evaluationsWithoutImprovement++;
            stopped = stopping.patience() > 0 && evaluationsWithoutImprovement >= stopping.patience();
        }
        listeners.forEach(l -> l.onEvaluation(step, metric, improved));
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
