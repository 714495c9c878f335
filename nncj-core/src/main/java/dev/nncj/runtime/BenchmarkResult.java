package dev.nncj.runtime;

import java.nio.file.Path;

/**
 * One model's measured speed and memory, with everything needed to reproduce or question the figure:
 * the settings, the number of runs and the machine.
 *
 * @param model the benchmarked file
 * @param fileBytes size on disk: the .onnx file plus any external-data files it references
 * @param batch batch size of the inputs
 * @param seqLen sequence length of the inputs
 * @param runtime ONNX Runtime settings (threads, optimization level, execution mode)
 * @param warmupRuns untimed runs before timing
 * @param runs timed runs
 * @param latency nearest-rank percentiles, mean and extremes of the timed runs, in ms; each run timed
 *     with {@link System#nanoTime()} around {@code OrtSession.run} alone (inputs are prepared once,
 *     outputs released outside the timing)
 * @param throughputPerSecond samples per second at the mean latency: batch * 1000 / mean ms
 * @param peakMemoryBytes peak growth of the process's resident memory attributable to this model's
 *     session (see {@link Benchmark} for how it is measured and its caveats); -1 where it cannot be
 *     measured (not Linux)
 * @param machine the machine it ran on
 */
public record BenchmarkResult(Path model, long fileBytes, int batch, int seqLen, RuntimeOptions runtime,
        int warmupRuns, int runs, LatencyStats latency, double throughputPerSecond, long peakMemoryBytes,
        MachineInfo machine) {

    /** The median latency in ms, the figure speed comparisons use. */
    public double p50Ms() {
        return latency.p50Ms();
    }

    /** The same figures with the memory measured another way ({@link IsolatedMemory}). */
    public BenchmarkResult withPeakMemoryBytes(long bytes) {
        return new BenchmarkResult(model, fileBytes, batch, seqLen, runtime, warmupRuns, runs, latency, throughputPerSecond,
                bytes, machine);
    }

    static BenchmarkResult of(Path model, BenchmarkOptions options, long[] nanos, long peakMemoryBytes,
            MachineInfo machine) {
        LatencyStats latency = LatencyStats.ofNanos(nanos);
        double throughput = options.batch() * 1000.0 / latency.meanMs();
        return new BenchmarkResult(model, ModelFiles.totalBytes(model), options.batch(), options.seqLen(),
                options.runtime(), options.warmupRuns(), options.runs(), latency, throughput, peakMemoryBytes,
                machine);
    }
}
