package dev.nncj.train.trainer;

/**
 * What one optimizer step did.
 *
 * @param step index of this step, from 0
 * @param loss the batch loss before the update
 * @param learningRate the rate the update used
 * @param gradientNorm global L2 norm of the gradients before clipping
 * @param samples examples in the batch
 * @param nanos wall time of the step (forward, backward, update)
 */
public record StepResult(int step, double loss, double learningRate, double gradientNorm, int samples, long nanos) {
    public double samplesPerSecond() {
        return samples / (nanos / 1e9);
    }
}
