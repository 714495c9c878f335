package dev.nncj.report;

import dev.nncj.eval.EvalResult;
import dev.nncj.runtime.ComparisonResult;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Every compression command's before/after: size on disk, p50 latency from one interleaved
 * benchmark of both files, and the task metric when data was given.
 *
 * @param originalMetric the original model's metric (empty for fidelity, which is 1 by definition)
 * @param compressedMetric the compressed model's metric (fidelity: cosine to the original)
 */
public record CompressionReport(Path original, Path compressed, long originalBytes, long compressedBytes,
                                ComparisonResult latency, Optional<EvalResult> originalMetric,
                                Optional<EvalResult> compressedMetric) {
    /** The same figures for the compressed model moved to {@code file} (measured where it was staged). */
    public CompressionReport withCompressed(Path file) {
        return new CompressionReport(original, file, originalBytes, compressedBytes, latency, originalMetric, compressedMetric);
    }

    /** compressed / original file size. */
    public double sizeRatio() {
        return (double) compressedBytes / originalBytes;
    }

    /** compressed p50 / original p50, from the same process. */
    public double latencyRatio() {
        return latency.ratioP50();
    }
}
