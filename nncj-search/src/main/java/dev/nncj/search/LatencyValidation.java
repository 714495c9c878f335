package dev.nncj.search;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.TempFiles;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.runtime.Benchmark;
import dev.nncj.runtime.BenchmarkOptions;
import dev.nncj.transformer.EncoderSpec;
import dev.nncj.transformer.ImportanceScores;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * How far the {@link LatencyTable} is from the truth: random whole candidates of the space, each
 * built and compared with the teacher file interleaved in one process (what {@code nncj bench
 * --compare} does), against the ratio the table predicts. nn-Meter's check, on the search's device.
 */
public final class LatencyValidation {
    /** One candidate: the table's p50 ratio to the teacher and the measured one. */
    public record Check(Architecture architecture, double predictedRatio, double measuredRatio) {
        /** |predicted - measured| / measured. */
        public double absoluteError() {
            return Math.abs(predictedRatio - measuredRatio) / measuredRatio;
        }
    }

    /** The checks, their mean absolute percentage error and the worst one. */
    public record Result(List<Check> checks) {
        public Result {
            checks = List.copyOf(checks);
            if (checks.isEmpty()) {
                throw new IllegalArgumentException("no checks");
            }
        }

        public double meanAbsolutePercentageError() {
            return 100 * checks.stream().mapToDouble(Check::absoluteError).average().orElseThrow();
        }

        public Check worst() {
            return checks.stream().max(java.util.Comparator.comparingDouble(Check::absoluteError)).orElseThrow();
        }
    }

    private LatencyValidation() {}

    /**
     * Compares {@code count} distinct random candidates of {@code space}, none of those the table was
     * fitted on, with {@code teacherFile}.
     * The predicted ratio divides the table's time of a candidate by the table's time of the whole
     * teacher in fp32, so both sides of the comparison are ratios to the same teacher.
     */
    public static Result check(LatencyTable table, EncoderSpec teacher, ImportanceScores scores, SearchSpace space,
            CandidateWriter writer, Path teacherFile, BenchmarkOptions options, int count, long seed,
            ProgressListener progress) {
        double teacherPredicted = table.predictMillis(space.full(NumericForm.FP32, TokenTableForm.FP32));
        Random random = new Random(seed);
        Set<String> seen = new HashSet<>(table.fittedOn()); // a fair check times candidates the fit never saw
        List<Check> checks = new ArrayList<>();
        progress.start("latency table check", count);
        try (TempFiles.Temp dir = TempFiles.directory("nncj-latency-check-")) {
            for (int attempts = 0; checks.size() < count && attempts < 100 * count; attempts++) {
                Architecture a = space.sample(random);
                if (!seen.add(a.toString())) {
                    continue;
                }
                Path file = dir.path().resolve("candidate-" + checks.size() + ".onnx");
                OnnxFiles.save(writer.write(CandidateEncoder.of(teacher, scores, a), a.form(), a.table()), file);
                double measured = Benchmark.compare(file, teacherFile, options, ProgressListener.NONE).ratioP50();
                TempFiles.delete(file);
                checks.add(new Check(a, table.predictMillis(a) / teacherPredicted, measured));
                progress.advance(1);
            }
        } catch (IOException e) {
            throw new NncjException("cannot create a temporary folder for the latency check: " + e.getMessage(), e);
        } finally {
            progress.finish();
        }
        return new Result(checks);
    }
}
