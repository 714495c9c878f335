package dev.nncj.runtime;

/**
 * Two models benchmarked interleaved in one process, the only way NNCJ states a speed-up: both saw
 * the same machine state (clock, cache, other load) run by run, so their ratio is trustworthy even
 * when the absolute latencies drift.
 *
 * @param model the model under study (typically the compressed one)
 * @param other the model it is compared with (typically the original)
 */
public record ComparisonResult(BenchmarkResult model, BenchmarkResult other) {

    /**
     * p50(model) / p50(other): below 1 means {@code model} is faster; 0.5 means twice as fast
     * (a speed-up of 1 / ratio).
     */
    public double ratioP50() {
        return model.p50Ms() / other.p50Ms();
    }
}
