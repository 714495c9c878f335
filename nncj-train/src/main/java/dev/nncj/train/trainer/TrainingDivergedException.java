package dev.nncj.train.trainer;

import dev.nncj.NncjException;

/** The loss became NaN or infinite: training cannot continue from these weights. */
public final class TrainingDivergedException extends NncjException {
    private static final long serialVersionUID = 1L;
    private final int step;

    TrainingDivergedException(int step, double loss, double learningRate) {
        super("loss is " + loss + " at step " + step + "; lower the learning rate (now " + learningRate + ")");
        this.step = step;
    }

    /** The step (from 0) whose loss was not finite. */
    public int step() {
        return step;
    }
}
