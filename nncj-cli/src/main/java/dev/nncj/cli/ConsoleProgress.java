package dev.nncj.cli;

import dev.nncj.ProgressListener;
import java.io.PrintStream;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows library progress as a bar on stderr, so that stdout (tables, JSON) stays clean for pipes.
 * Quiet mode ignores progress altogether. Without a console (output redirected to a log, nohup, CI)
 * a bar would fill the log with carriage returns, so long work is reported instead as a plain line
 * every {@link #LOG_INTERVAL_NANOS}; work shorter than that prints nothing.
 */
final class ConsoleProgress implements ProgressListener {
    static final long LOG_INTERVAL_NANOS = 60_000_000_000L;

    private final boolean quiet;
    private final boolean logLines;
    private ProgressBar bar;
    private String task;
    private long total;
    private long done;
    private long doneBefore;
    private long started;
    private long lastLine;
    private String extra = "";

    private ConsoleProgress(boolean quiet, boolean logLines) {
        this.quiet = quiet;
        this.logLines = logLines;
    }

    /** A bar when a person is watching, log lines when output is redirected, nothing with --quiet. */
    static ProgressListener create(boolean quiet) {
        return quiet ? ProgressListener.NONE : new ConsoleProgress(false, System.console() == null);
    }

    @Override
    public void start(String task, long total) {
        finish();
        if (quiet) {
            return;
        }
        this.task = task;
        this.total = total;
        this.done = 0;
        this.doneBefore = 0;
        this.started = System.nanoTime();
        this.lastLine = started;
        this.extra = "";
        if (logLines) {
            return;
        }
        bar = newBar(0);
    }

    /** A bar that counts {@code doneBefore} steps as done before it started (its estimate leaves them out). */
    private ProgressBar newBar(long doneBefore) {
        return new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(total)
                .startsFrom(doneBefore, java.time.Duration.ZERO)
                .setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new ConsoleProgressBarConsumer(new PrintStream(System.err, true)))
                .setUpdateIntervalMillis(250)
                .setMaxRenderedLength(100)
                .continuousUpdate()
                .build();
    }

    @Override
    public void advance(long steps) {
        done += steps;
        if (bar != null) {
            bar.stepBy(steps);
        } else if (logLines && task != null && System.nanoTime() - lastLine >= LOG_INTERVAL_NANOS) {
            lastLine = System.nanoTime();
            System.err.println(logLine(task, done, doneBefore, total, lastLine - started, extra));
        }
    }

    @Override
    public void resumedAt(long steps) {
        doneBefore += steps;
        done += steps;
        if (bar != null) {
            bar.close();
            bar = newBar(done);
        }
    }

    /** Text shown after the bar (a training run's live loss). */
    void message(String text) {
        extra = text;
        if (bar != null) {
            bar.setExtraMessage(text);
        }
    }

    /**
     * "fine-tuning: 400/1894 (21%), 53:12 elapsed, about 3:18:40 left, loss 0.3120"; the time left is
     * estimated from this run's pace: the {@code doneBefore} steps of a resumed run took no time here.
     */
    static String logLine(String task, long done, long doneBefore, long total, long elapsedNanos, String extra) {
        StringBuilder s = new StringBuilder(task).append(": ").append(done);
        if (total > 0) {
            s.append('/').append(total).append(String.format(java.util.Locale.ROOT, " (%d%%)", 100 * done / total));
        }
        s.append(", ").append(clock(elapsedNanos)).append(" elapsed");
        if (total > 0 && done > doneBefore && done < total) {
            s.append(", about ").append(clock(elapsedNanos / (done - doneBefore) * (total - done))).append(" left");
        }
        return extra.isEmpty() ? s.toString() : s.append(", ").append(extra).toString();
    }

    private static String clock(long nanos) {
        long seconds = nanos / 1_000_000_000L;
        return seconds >= 3600
                ? String.format(java.util.Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
                : String.format(java.util.Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
    }

    @Override
    public void finish() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
        task = null;
    }
}
