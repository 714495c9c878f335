package dev.nncj;

/**
 * How long-running library work (evaluation, benchmarking, calibration, training) reports progress
 * without printing: the CLI adapts it to a progress bar, an embedding application to its own UI.
 */
public interface ProgressListener {
    /** A listener that ignores everything, the default for library calls. */
    ProgressListener NONE = new ProgressListener() {
        @Override
        public void start(String task, long total) {}

        @Override
        public void advance(long steps) {}

        @Override
        public void finish() {}
    };

    /** A new task begins; {@code total} is its number of steps, or -1 when unknown. */
    void start(String task, long total);

    /** {@code steps} more steps of the current task are done. */
    void advance(long steps);

    /**
     * {@code steps} of the current task were done by an earlier run (a resumed training): counted as
     * done, but not as work of this run, so an estimate of the time left is not fooled by them.
     */
    default void resumedAt(long steps) {
        advance(steps);
    }

    /** The current task is over (successfully or not). */
    void finish();

    /** This listener, each task's name preceded by {@code what} ("full-distill layers 1,3 ...: distilling"). */
    default ProgressListener named(String what) {
        ProgressListener inner = this;
        return new ProgressListener() {
            @Override
            public void start(String task, long total) {
                inner.start(what + ": " + task, total);
            }

            @Override
            public void advance(long steps) {
                inner.advance(steps);
            }

            @Override
            public void resumedAt(long steps) {
                inner.resumedAt(steps);
            }

            @Override
            public void finish() {
                inner.finish();
            }
        };
    }
}
