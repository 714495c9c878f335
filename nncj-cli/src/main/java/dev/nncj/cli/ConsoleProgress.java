package dev.nncj.cli;

import dev.nncj.ProgressListener;
import java.io.PrintStream;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows library progress as a bar on stderr, so that stdout (tables, JSON) stays clean for pipes.
 * Quiet mode ignores progress altogether.
 */
final class ConsoleProgress implements ProgressListener {
    private final boolean quiet;
    private ProgressBar bar;

    private ConsoleProgress(boolean quiet) {
        this.quiet = quiet;
    }

    /** Bars only when a person is watching: not with --quiet, nor when output is redirected (CI logs). */
    static ProgressListener create(boolean quiet) {
        return quiet || System.console() == null ? ProgressListener.NONE : new ConsoleProgress(false);
    }

    @Override
    public void start(String task, long total) {
        finish();
        if (quiet) {
            return;
        }
        bar = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new ConsoleProgressBarConsumer(new PrintStream(System.err, true)))
                .setUpdateIntervalMillis(250)
                .setMaxRenderedLength(100)
                .continuousUpdate()
                .build();
    }

    @Override
    public void advance(long steps) {
        if (bar != null) {
            bar.stepBy(steps);
        }
    }

    /** Text shown after the bar (a training run's live loss). */
    void message(String text) {
        if (bar != null) {
            bar.setExtraMessage(text);
        }
    }

    @Override
    public void finish() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
