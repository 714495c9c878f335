package dev.nncj.runtime;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession.SessionOptions;
import dev.nncj.NncjException;

/**
 * How ONNX Runtime executes a model: the session settings a speed figure depends on, so a result can
 * name them and two models can be compared under the same ones.
 *
 * <p>The defaults describe an edge device, not a server: one intra-op thread (a phone core, and the
 * setting least disturbed by other processes, so p50s are stable), one inter-op thread, sequential
 * execution, and ORT's own default graph optimization ({@code ORT_ENABLE_ALL}), which is what a
 * deployed model gets unless someone turns it down.
 *
 * @param intraOpThreads threads inside one operator (MatMul, Gemm); 0 lets ORT choose (one per
 *     physical core)
 * @param interOpThreads threads running independent operators at once; used only with
 *     {@link Execution#PARALLEL}; 0 lets ORT choose
 * @param optimization how far ORT rewrites the graph when the session is created
 * @param execution whether independent branches of the graph may run concurrently
 * @param spinning whether idle intra-op threads busy-wait for the next operator (ORT's default, fastest
 *     for one session alone); two sessions taking turns must not spin, or each one's idle pool steals
 *     the cores the other is running on
 */
public record RuntimeOptions(
        int intraOpThreads, int interOpThreads, Optimization optimization, Execution execution,
        boolean spinning) {

    /** ORT's graph optimization levels, {@code ORT_DISABLE_ALL} to {@code ORT_ENABLE_ALL}. */
    public enum Optimization {
        /** No graph rewriting: runs the file exactly as written. */
        NONE(SessionOptions.OptLevel.NO_OPT),
        /** Constant folding and redundant-node elimination, semantics-preserving everywhere. */
        BASIC(SessionOptions.OptLevel.BASIC_OPT),
        /** Plus fusions (attention, GELU, LayerNorm, MatMul+Add) on the CPU provider. */
        EXTENDED(SessionOptions.OptLevel.EXTENDED_OPT),
        /** Plus layout rewrites ({@code ORT_ENABLE_LAYOUT}, e.g. NCHWc blocking for convolutions). */
        LAYOUT(SessionOptions.OptLevel.LAYOUT_OPT),
        /** Everything ORT has ({@code ORT_ENABLE_ALL}), ORT's default. */
        ALL(SessionOptions.OptLevel.ALL_OPT);

        private final SessionOptions.OptLevel ort;

        Optimization(SessionOptions.OptLevel ort) {
            this.ort = ort;
        }

        SessionOptions.OptLevel ort() {
            return ort;
        }
    }

    /** ORT's execution modes. */
    public enum Execution {
        /** Operators one at a time, in topological order: what edge devices and our figures use. */
        SEQUENTIAL(SessionOptions.ExecutionMode.SEQUENTIAL),
        /** Independent branches concurrently on the inter-op pool. */
        PARALLEL(SessionOptions.ExecutionMode.PARALLEL);

        private final SessionOptions.ExecutionMode ort;

        Execution(SessionOptions.ExecutionMode ort) {
            this.ort = ort;
        }

        SessionOptions.ExecutionMode ort() {
            return ort;
        }
    }

    public RuntimeOptions {
        if (intraOpThreads < 0) {
            throw new NncjException("intra-op threads must be 0 (ORT chooses) or more, got " + intraOpThreads);
        }
        if (interOpThreads < 0) {
            throw new NncjException("inter-op threads must be 0 (ORT chooses) or more, got " + interOpThreads);
        }
        if (optimization == null) {
            throw new NncjException("graph optimization level is required");
        }
        if (execution == null) {
            throw new NncjException("execution mode is required");
        }
    }

    /** One thread each, sequential, full graph optimization. */
    public static RuntimeOptions defaults() {
        return new RuntimeOptions(1, 1, Optimization.ALL, Execution.SEQUENTIAL, true);
    }

    public RuntimeOptions withIntraOpThreads(int threads) {
        return new RuntimeOptions(threads, interOpThreads, optimization, execution, spinning);
    }

    public RuntimeOptions withInterOpThreads(int threads) {
        return new RuntimeOptions(intraOpThreads, threads, optimization, execution, spinning);
    }

    public RuntimeOptions withOptimization(Optimization level) {
        return new RuntimeOptions(intraOpThreads, interOpThreads, level, execution, spinning);
    }

    public RuntimeOptions withExecution(Execution mode) {
        return new RuntimeOptions(intraOpThreads, interOpThreads, optimization, mode, spinning);
    }

    public RuntimeOptions withSpinning(boolean allow) {
        return new RuntimeOptions(intraOpThreads, interOpThreads, optimization, execution, allow);
    }

    /** Copies these settings onto ORT's native options object (which the caller closes). */
    void applyTo(SessionOptions options) throws OrtException {
        options.setIntraOpNumThreads(intraOpThreads);
        options.setInterOpNumThreads(interOpThreads);
        options.setOptimizationLevel(optimization.ort());
        options.setExecutionMode(execution.ort());
        options.addConfigEntry("session.intra_op.allow_spinning", spinning ? "1" : "0");
    }
}
