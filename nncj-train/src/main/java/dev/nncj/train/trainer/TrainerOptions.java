package dev.nncj.train.trainer;

/**
 * Optimization settings of a {@link Trainer}.
 *
 * @param learningRate peak learning rate, reached at the end of warm-up
 * @param weightDecay AdamW's decoupled decay (Loshchilov and Hutter 2019): w -= lr * decay * w,
 *     applied apart from the adaptive gradient step
 * @param beta1 Adam's first-moment decay
 * @param beta2 Adam's second-moment decay
 * @param epsilon Adam's denominator guard
 * @param warmupSteps steps of linear warm-up from 0 to {@code learningRate}
 * @param totalSteps step at which the linear decay reaches 0 (the schedule of BERT fine-tuning)
 * @param maxGradNorm global L2 norm gradients are clipped to; 0 or less turns clipping off
 * @param seed seeds PyTorch's generator and the trainer's shuffling: same seed, same run
 */
public record TrainerOptions(double learningRate, double weightDecay, double beta1, double beta2, double epsilon,
        int warmupSteps, int totalSteps, double maxGradNorm, long seed) {

    public TrainerOptions {
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be positive, got " + learningRate);
        }
        if (weightDecay < 0) {
            throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
        }
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("betas must lie in [0, 1), got " + beta1 + ", " + beta2);
        }
        if (totalSteps < 1 || warmupSteps < 0 || warmupSteps > totalSteps) {
            throw new IllegalArgumentException("need 0 <= warmup steps <= total steps, total >= 1; got "
                    + warmupSteps + " and " + totalSteps);
        }
    }

    /** BERT fine-tuning defaults: lr 2e-5, decay 0.01, betas 0.9/0.999, eps 1e-8, 10% warm-up, clip 1.0. */
    public static TrainerOptions defaults(int totalSteps) {
        return new TrainerOptions(2e-5, 0.01, 0.9, 0.999, 1e-8, totalSteps / 10, totalSteps, 1.0, 42);
    }

    public TrainerOptions withLearningRate(double value) {
        return new TrainerOptions(value, weightDecay, beta1, beta2, epsilon, warmupSteps, totalSteps, maxGradNorm, seed);
    }

    public TrainerOptions withWeightDecay(double value) {
        return new TrainerOptions(learningRate, value, beta1, beta2, epsilon, warmupSteps, totalSteps, maxGradNorm, seed);
    }

    public TrainerOptions withWarmupSteps(int value) {
        return new TrainerOptions(learningRate, weightDecay, beta1, beta2, epsilon, value, totalSteps, maxGradNorm, seed);
    }

    public TrainerOptions withMaxGradNorm(double value) {
        return new TrainerOptions(learningRate, weightDecay, beta1, beta2, epsilon, warmupSteps, totalSteps, value, seed);
    }

    public TrainerOptions withSeed(long value) {
        return new TrainerOptions(learningRate, weightDecay, beta1, beta2, epsilon, warmupSteps, totalSteps, maxGradNorm, value);
    }

    /**
     * Linear warm-up to the peak over {@code warmupSteps}, then linear decay to 0 at
     * {@code totalSteps}; {@code step} counts from 0.
     */
    public double learningRateAt(int step) {
        if (step < warmupSteps) {
            return learningRate * (step + 1) / warmupSteps;
        }
        int decaySteps = totalSteps - warmupSteps;
        if (decaySteps == 0) {
            return learningRate;
        }
        return learningRate * Math.max(0, totalSteps - step) / decaySteps;
    }
}
