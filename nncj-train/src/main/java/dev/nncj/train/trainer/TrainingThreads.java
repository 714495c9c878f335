package dev.nncj.train.trainer;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * The training engine's threads in this JVM. PyTorch keeps one count per process and does not read
 * a Spark task's CPUs (nor, once started, OMP_NUM_THREADS), so a process that trains on a share of its
 * machine says so here before training.
 */
public final class TrainingThreads {
    private TrainingThreads() {}

    /** Trains on {@code threads} threads from now on; 0 leaves PyTorch's choice (every core). */
    public static void use(int threads) {
        if (threads < 0) {
            throw new IllegalArgumentException("training threads must be 0 (every core) or more, got " + threads);
        }
        if (threads > 0 && current() != threads) {
            JniUtils.setNumThreads(threads);
        }
    }

    /** The threads training uses now. */
    public static int current() {
        Engine.getEngine("PyTorch"); // loads libtorch, whose count this is
        return JniUtils.getNumThreads();
    }
}
