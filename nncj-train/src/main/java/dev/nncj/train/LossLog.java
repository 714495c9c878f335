package dev.nncj.train;

import dev.nncj.ProgressListener;
import java.util.ArrayList;
import java.util.List;

/** Keeps every step's loss (for the result) and advances a progress bar by one step per step. */
final class LossLog implements TrainingListener {
    private final List<Double> losses = new ArrayList<>();
    private final ProgressListener progress;

    LossLog(ProgressListener progress) {
        this.progress = progress;
    }

    @Override
    public void onStep(StepResult result) {
        losses.add(result.loss());
        progress.advance(1);
    }

    List<Double> losses() {
        return losses;
    }
}
