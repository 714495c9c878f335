package dev.nncj.train.trainer;

import dev.nncj.ProgressListener;

/** Advances a progress bar by one step per step, and by the steps already done when a run resumes. */
public final class StepProgress implements TrainingListener {
    private final ProgressListener progress;

    public StepProgress(ProgressListener progress) {
        this.progress = progress;
    }

    @Override
    public void onResume(int step) {
        progress.resumedAt(step);
    }

    @Override
    public void onStep(StepResult result) {
        progress.advance(1);
    }
}
