package dev.nncj.train.trainer;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A request to stop training at the next step boundary, where the {@link Trainer} writes its
 * checkpoint and throws {@link TrainingStoppedException}. {@link #request()} makes one (an embedding
 * application, a test); {@link #installShutdownHook} makes SIGTERM and SIGINT make one.
 *
 * <p>Why the hook waits: on a signal the JVM runs its shutdown hooks and then exits, and the exit
 * runs libtorch's static destructors while the training thread may still be inside backward: that
 * crashed the JVM (SIGSEGV, an hs_err file) in 2 of 5 SIGTERMs during fine-tuning. So while a
 * training loop runs ({@link Trainer#fit} arms this), the hook sets the flag and holds the exit until
 * the training thread has reached a step boundary, written its checkpoint, let go of its native
 * memory and {@link #acknowledge acknowledged}; a run that never answers is left after a bound, so a
 * hung JVM still exits. Without a running loop the hook returns at once and the JVM exits as it
 * always did. The JVM's exit status stays the signal's: 143 for SIGTERM, 130 for SIGINT.
 */
public final class StopRequest {
    private static final Object LOCK = new Object();
    private static boolean requested;
    /** A training loop is running and will answer a request at its next step boundary. */
    private static boolean armed;
    /** What the shutdown hook waits on, once a signal arrived during training. */
    private static CountDownLatch answered;
    private static boolean hookInstalled;

    private StopRequest() {}

    /**
     * Makes SIGTERM and SIGINT (the JVM's shutdown) a stop request that a running training loop
     * answers within {@code bound}. Installed once; later calls do nothing.
     */
    public static void installShutdownHook(Duration bound) {
        synchronized (LOCK) {
            if (hookInstalled) {
                return;
            }
            hookInstalled = true;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> awaitStop(bound), "nncj-training-stop"));
    }

    /** Asks a running (or the next) training loop to stop at its next step boundary. */
    public static void request() {
        synchronized (LOCK) {
            requested = true;
        }
    }

    /**
     * The stopped run has let go of its native memory (and said where its checkpoint is): a JVM
     * exit the shutdown hook holds may go on. Does nothing when none is held.
     */
    public static void acknowledge() {
        synchronized (LOCK) {
            if (answered != null) {
                answered.countDown();
            }
        }
    }

    private static void awaitStop(Duration bound) {
        CountDownLatch latch;
        synchronized (LOCK) {
            requested = true;
            if (!armed) {
                return;
            }
            latch = new CountDownLatch(1);
            answered = latch;
        }
        try {
            latch.await(bound.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether a stop was requested and not yet answered. */
    static boolean pending() {
        synchronized (LOCK) {
            return requested;
        }
    }

    /** A training loop starts: a signal from now on waits for its answer. */
    static void arm() {
        synchronized (LOCK) {
            armed = true;
        }
    }

    /**
     * The training loop ends; returns whether a stop was requested meanwhile, which the loop must
     * still answer (a signal during its last step is held like any other).
     */
    static boolean disarm() {
        synchronized (LOCK) {
            armed = false;
            return requested;
        }
    }

    /** The loop answers the request: the next run in this JVM starts without one. */
    static void consume() {
        synchronized (LOCK) {
            requested = false;
        }
    }
}
