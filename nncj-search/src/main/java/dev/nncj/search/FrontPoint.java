package dev.nncj.search;

import java.util.OptionalDouble;

/**
 * A model of the final front as measured for real after the search: its p50 against the teacher
 * from an interleaved comparison, its file, its accuracy on the selection data and (once, for the
 * report) on the test data, each with a 95% interval.
 *
 * @param stage          the fidelity stage it reached
 * @param p50Ratio       measured p50 / teacher's p50 (interleaved, one process)
 * @param predictedRatio what the latency table predicted, shown beside the measurement
 * @param devHalfWidth   half the 95% interval of {@code devAccuracy}
 */
public record FrontPoint(Architecture architecture, Fidelity stage, double p50Ratio, double p50Millis,
                         double predictedRatio, long bytes, double sizeRatio, double devAccuracy, double devHalfWidth,
                         OptionalDouble testAccuracy, OptionalDouble testHalfWidth, String file) {}
