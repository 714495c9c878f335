package dev.nncj.train.trainer;

import dev.nncj.onnx.OnnxModel;
import dev.nncj.train.execution.OnnxExecutor;
import java.util.List;

/**
 * The weights a finished run keeps, written into its executor's model: the best evaluation's
 * ({@link Trainer#writeBestWeights}, restored from a checkpoint when the run was resumed) or the
 * last step's when that evaluates better.
 *
 * @param step the step after which the kept weights were taken
 * @param accuracy their accuracy on the evaluation data
 */
public record KeptWeights(OnnxModel model, int step, double accuracy) {

    /**
     * Chooses and writes the weights to keep: the steps after the last periodic evaluation are
     * evaluated too (a run shorter than the interval would otherwise have none); the better of
     * them and the trainer's best wins, ties going to the earlier weights.
     */
    public static KeptWeights choose(Trainer trainer, OnnxExecutor executor, ClassificationAccuracy accuracy,
            int evalEvery, List<TrainingListener> listeners) {
        // the trainer evaluates after each multiple of the interval, and stops only right after one
        if (trainer.steps() % evalEvery != 0 && !trainer.stoppedEarly()) {
            double last = accuracy.evaluate(executor);
            boolean improved = Double.isNaN(trainer.bestMetric()) || last > trainer.bestMetric();
            listeners.forEach(l -> l.onEvaluation(trainer.steps(), last, improved));
            if (improved) {
                executor.writeParameters(executor.model());
                return new KeptWeights(executor.model(), trainer.steps(), last);
            }
        }
        if (!trainer.writeBestWeights(executor.model())) {
            executor.writeParameters(executor.model()); // no evaluation at all: a run of no steps
        }
        return new KeptWeights(executor.model(), trainer.bestStep(), trainer.bestMetric());
    }
}
