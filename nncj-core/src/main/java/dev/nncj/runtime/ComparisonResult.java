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

    /**
     * The same comparison with each model's memory measured in a fresh process of its own
     * ({@link IsolatedMemory}); empty when either cannot be measured that way.
     */
    public java.util.Optional<ComparisonResult> withIsolatedMemory(BenchmarkOptions options) {
        java.util.OptionalLong a = IsolatedMemory.measure(model.model(), options);
        java.util.OptionalLong b = IsolatedMemory.measure(other.model(), options);
        return a.isPresent() && b.isPresent()
                ? java.util.Optional.of(new ComparisonResult(model.withPeakMemoryBytes(a.getAsLong()), other.withPeakMemoryBytes(b.getAsLong())))
                : java.util.Optional.empty();
    }
}
