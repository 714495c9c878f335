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

    /**
     * Keeps the thread count fixed for the run: PyTorch's set_num_threads also turns off MKL's dynamic
     * threading, which is on until then and lets MKL run a GEMM on fewer threads when the machine is
     * busy, summing in another order. Under load that changed a movement pruning's weights between two
     * runs of the same seed (a killed and resumed run then ended unlike the uninterrupted one).
     */
    public static void fix() {
        JniUtils.setNumThreads(current());
    }

    /** The threads training uses now. */
    public static int current() {
        Engine.getEngine("PyTorch"); // loads libtorch, whose count this is
        return JniUtils.getNumThreads();
    }
}
