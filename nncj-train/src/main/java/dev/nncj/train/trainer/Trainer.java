package dev.nncj.train.trainer;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.nncj.NncjException;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.SaveOptions;
import dev.nncj.train.execution.OnnxExecutor;
import dev.nncj.train.execution.Parameter;
import dev.nncj.train.execution.SupportCheck;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
 *
 * <p>Interruption: {@link #fit} answers a {@link StopRequest} (SIGTERM, SIGINT) at the next step
 * boundary, never inside a forward or backward pass, by writing a checkpoint
 * ({@link #keepCheckpoints}) and throwing {@link TrainingStoppedException}. A trainer resumed from
 * that checkpoint takes exactly the steps the uninterrupted run would have taken: the state is
 * restored bit for bit, epoch e is shuffled by (seed, e), and PyTorch's generator is seeded by
 * (seed, step) before every step.
 */
public final class Trainer implements AutoCloseable {
    private final OnnxExecutor executor;
    private final Loss loss;
    private final TrainerOptions options;
    private final List<TrainingListener> listeners;
    private final AdamW optimizer;
    private final ParameterCopy bestWeights;
    private final List<Double> losses = new ArrayList<>();

    private int step;
    private int epoch;
    private int position;
    private Evaluator evaluator;
    private EarlyStopping stopping;
    private double best = Double.NaN;
    private int bestStep = -1;
    private int evaluationsWithoutImprovement;
    private boolean stopped;
    private Checkpoints checkpoints = Checkpoints.none();
    private int checkpointEvery;
    private Path lastCheckpoint;
    private int lastCheckpointStep = -1;

    public Trainer(OnnxExecutor executor, Loss loss, TrainerOptions options, List<TrainingListener> listeners) {
        if (executor.trainableParameters().isEmpty()) {
            throw new NncjException(SupportCheck.describe(executor.model()) + ": nothing to train: every parameter is frozen");
        }
        this.executor = executor;
        this.loss = loss;
        this.options = options;
        this.listeners = List.copyOf(listeners);
        this.optimizer = new AdamW(executor.manager(), options);
        this.bestWeights = new ParameterCopy(executor.manager());
        // PyTorch's generator (dropout, random init) is seeded too, so equal seeds give equal runs; and its
        // GEMMs keep their thread count when the machine is busy (TrainingThreads.fix), so they do there too.
        Engine.getEngine("PyTorch").setRandomSeed((int) options.seed());
        TrainingThreads.fix();
        this.listeners.forEach(l -> l.onStart(options.totalSteps()));
    }

    /** Evaluates with {@code evaluator} as {@code stopping} says during {@link #fit}. */
    public void evaluateWith(Evaluator evaluator, EarlyStopping stopping) {
        this.evaluator = java.util.Objects.requireNonNull(evaluator);
        this.stopping = java.util.Objects.requireNonNull(stopping);
    }

    /**
     * Keeps checkpoints as {@code checkpoints} says (nothing when it has no folder): one after every
     * {@code everySteps} steps, after that step's evaluation, and one where a {@link StopRequest}
     * stops {@link #fit}. When it resumes, continues from the latest checkpoint of its phase:
     * parameters, optimizer moments, step, epoch and position, evaluations and best weights, losses.
     * Call before {@link #fit}.
     */
    public void keepCheckpoints(Checkpoints checkpoints, int everySteps) {
        if (everySteps < 1) {
            throw new IllegalArgumentException("checkpoint interval must be >= 1 step, got " + everySteps);
        }
        this.checkpoints = checkpoints;
        this.checkpointEvery = everySteps;
        if (!checkpoints.enabled()) {
            return;
        }
        if (checkpoints.resume()) {
            checkpoints.files().latest().filter(dir -> CheckpointFolder.state(dir).phase().equals(checkpoints.phase()))
                    .ifPresent(this::restore);
        }
        checkpoints.announce().accept(checkpoints.folder());
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

    /** Steps taken so far (by this run, resumed or not). */
    public int steps() {
        return step;
    }

    /** The loss of every step taken so far, in order (a resumed run's include those before the checkpoint). */
    public List<Double> losses() {
        return Collections.unmodifiableList(losses);
    }

    /** The model of the latest checkpoint written or resumed from, if any: the last weights known to be good. */
    public Optional<Path> lastCheckpointModel() {
        return Optional.ofNullable(lastCheckpoint).map(dir -> dir.resolve(CheckpointFolder.MODEL_FILE));
    }

    /**
     * Writes the best evaluation's weights into {@code target}'s initializers; false (and nothing
     * written) when no evaluation was made.
     */
    public boolean writeBestWeights(OnnxModel target) {
        if (bestWeights.isEmpty()) {
            return false;
        }
        bestWeights.writeInto(target);
        return true;
    }

    /** One optimizer step on {@code batch}. Throws NncjException naming the step when the loss is not finite. */
    public StepResult step(Batch batch) {
        long start = System.nanoTime();
        List<Parameter> trainable = executor.trainableParameters();
        executor.zeroGradients();
        // whatever a kernel draws (dropout, were it on) depends on (seed, step) only: a resumed run draws the same
        Engine.getEngine("PyTorch").setRandomSeed((int) (options.seed() * 1_000_003L + step));
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
        losses.add(lossValue);
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

    /**
     * As {@link #fit(List, int)}, stopping early once {@code untilStep} steps have been taken. A
     * {@link StopRequest} is answered at the next step boundary (after the last step too): a
     * checkpoint, then {@link TrainingStoppedException}.
     */
    public void fit(List<Batch> batches, int epochs, int untilStep) {
        int last = Math.min(untilStep, options.totalSteps());
        StopRequest.arm();
        try {
            while (epoch < epochs && step < last && !stopped) {
                List<Batch> order = new ArrayList<>(batches);
                Collections.shuffle(order, new Random(options.seed() * 1_000_003L + epoch));
                while (position < order.size() && step < last && !stopped) {
                    if (StopRequest.pending()) {
                        stop();
                    }
                    step(order.get(position));
                    position++;
                    afterStep();
                }
                if (position >= order.size()) {
                    epoch++;
                    position = 0;
                }
            }
        } catch (RuntimeException e) {
            StopRequest.disarm();
            throw e;
        }
        if (StopRequest.disarm()) {
            stop();
        }
        listeners.forEach(l -> l.onFitEnd(step));
    }

    /** The evaluation and the checkpoint a step boundary may be due. */
    private void afterStep() {
        if (evaluator != null && step % stopping.everySteps() == 0 && step >= stopping.firstStep()) {
            evaluate();
        }
        if (checkpoints.enabled() && step % checkpointEvery == 0) {
            saveCheckpoint();
        }
    }

    /** Answers a stop request: the checkpoint of this step (unless written already), then the exception. */
    private void stop() {
        StopRequest.consume();
        if (checkpoints.enabled() && lastCheckpointStep != step) {
            saveCheckpoint();
        }
        throw new TrainingStoppedException(step, options.totalSteps(), checkpoints.phase(),
                checkpoints.enabled() ? checkpoints.folder() : null);
    }

    /** Writes a checkpoint of this step into the run's folder (see {@link CheckpointFolder}). */
    private void saveCheckpoint() {
        CheckpointFolder.State state = new CheckpointFolder.State(checkpoints.phase(), step, epoch, position,
                optimizer.steps(), options.seed(), JniUtils.getNumThreads(), best, bestStep, evaluationsWithoutImprovement,
                stopped, losses);
        executor.writeParameters(executor.model());
        lastCheckpoint = checkpoints.files().write(checkpoints.fingerprint(), dir -> {
            OnnxFiles.save(executor.model(), dir.resolve(CheckpointFolder.MODEL_FILE),
                    SaveOptions.defaults().withOverwriteInput(true));
            if (optimizer.steps() > 0) { // DJL cannot read back an empty list
                encode(optimizer.state(), dir.resolve(CheckpointFolder.OPTIMIZER_FILE));
            }
            if (!bestWeights.isEmpty()) {
                encode(bestWeights.asList(), dir.resolve(CheckpointFolder.BEST_FILE));
            }
            Files.write(dir.resolve(CheckpointFolder.STATE_FILE), state.encode());
        });
        lastCheckpointStep = step;
    }

    private static void encode(NDList arrays, Path file) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            arrays.encode(out);
        }
    }

    /** Takes over the checkpoint in {@code dir}; the executor must run the same graph with the same seed. */
    private void restore(Path dir) {
        CheckpointFolder.State state = CheckpointFolder.state(dir);
        if (state.seed() != options.seed()) {
            throw NncjException.inFile(dir, "checkpoint was trained with seed " + state.seed() + ", not " + options.seed());
        }
        try {
            executor.loadParameters(OnnxFiles.load(dir.resolve(CheckpointFolder.MODEL_FILE)));
            try (NDManager scratch = executor.manager().newSubManager()) {
                if (state.optimizerSteps() > 0) {
                    optimizer.restore(executor.trainableParameters(),
                            decode(scratch, dir.resolve(CheckpointFolder.OPTIMIZER_FILE)), state.optimizerSteps());
                }
                Path bestFile = dir.resolve(CheckpointFolder.BEST_FILE);
                if (Files.isRegularFile(bestFile)) {
                    bestWeights.restore(decode(scratch, bestFile));
                }
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof NncjException n) {
                throw n;
            }
            throw NncjException.inFile(dir, "not a usable checkpoint: " + e.getMessage(), e);
        }
        // a matrix product split over another number of threads sums in another order
        if (state.threads() != JniUtils.getNumThreads()) {
            JniUtils.setNumThreads(state.threads());
        }
        step = state.step();
        epoch = state.epoch();
        position = state.position();
        best = state.bestMetric();
        bestStep = state.bestStep();
        evaluationsWithoutImprovement = state.evaluationsWithoutImprovement();
        stopped = state.stoppedEarly();
        losses.clear();
        losses.addAll(state.losses());
        lastCheckpoint = dir;
        lastCheckpointStep = step;
        listeners.forEach(l -> l.onResume(step));
    }

    private static NDList decode(NDManager manager, Path file) throws IOException {
        try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            return NDList.decode(manager, in);
        }
    }

    /** One evaluation: a new best is copied (and so kept by the next checkpoint); too many without one stop the run. */
    private void evaluate() {
        double metric = evaluator.evaluate(executor);
        boolean improved = stopping.improves(metric, best);
        if (improved) {
            best = metric;
            bestStep = step;
            evaluationsWithoutImprovement = 0;
            bestWeights.copy(executor.trainableParameters());
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
        bestWeights.close();
        optimizer.close();
    }
}
