package dev.nncj.cli;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.runtime.BenchmarkOptions;
import dev.nncj.runtime.MachineInfo;
import dev.nncj.search.Architecture;
import dev.nncj.search.CandidateEncoder;
import dev.nncj.search.CandidateWriter;
import dev.nncj.search.LatencyTable;
import dev.nncj.search.LatencyValidation;
import dev.nncj.search.NumericForm;
import dev.nncj.search.OnnxRuntimeTimer;
import dev.nncj.search.SearchSpace;
import dev.nncj.search.TokenTableForm;
import dev.nncj.transformer.EncoderSpec;
import dev.nncj.transformer.ImportanceScores;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The search's latency model for this machine: the block table (read from the search folder when it
 * was measured on the same device, settings and space, else measured and saved) and its check
 * against interleaved comparisons of random candidates with the teacher (saved likewise).
 */
final class SearchLatency {
    /**
     * Above this mean absolute error of the table (in percent) candidates are timed for real instead
     * of predicted: the bar for the table is 5%, and a search steered by a worse model would
     * trade accuracy for latency it does not get.
     */
    static final double MEASURE_ABOVE_PERCENT = 10;

    /**
     * How the latency model is made: random models per numeric form to fit the table on, random others
     * to check it against, the seed both are drawn with, or a table measured before on this device
     * (another search's latency-table.json) used instead of fitting one.
     */
    record Plan(int fitModels, int checks, long seed, Optional<LatencyTable> measuredTable) {}

    /** Mixed into the seed of the fit's models, so that they are drawn apart from the check's. */
    private static final long FIT_SEED = 0x5eedf17L;

    private final LatencyTable table;
    private final double teacherPredictedMillis;
    private final Map<String, Object> check;
    private final Optional<OnnxRuntimeTimer> measureInstead;
    private final EncoderSpec teacher;
    private final ImportanceScores scores;
    private final CandidateWriter writer;
    private final Map<String, Double> measured = new java.util.HashMap<>();

    private SearchLatency(LatencyTable table, double teacherPredictedMillis, Map<String, Object> check,
            Optional<OnnxRuntimeTimer> measureInstead, EncoderSpec teacher, ImportanceScores scores, CandidateWriter writer) {
        this.table = table;
        this.teacherPredictedMillis = teacherPredictedMillis;
        this.check = check;
        this.measureInstead = measureInstead;
        this.teacher = teacher;
        this.scores = scores;
        this.writer = writer;
    }

    static SearchLatency prepare(SearchFolder folder, EncoderSpec teacher, ImportanceScores scores, SearchSpace space,
            CandidateWriter writer, BenchmarkOptions timing, Path teacherFile, Plan plan,
            ProgressListener progress, PrintWriter err) {
        int checks = plan.checks();
        String device = device(timing) + " | " + space.describe();
        LatencyTable table = null;
        if (plan.measuredTable().isPresent()) {
            table = plan.measuredTable().get();
            folder.write(SearchFolder.LATENCY_TABLE, Json.write(table.toMap(device)));
        } else if (folder.has(SearchFolder.LATENCY_TABLE)) {
            table = savedTable(folder.file(SearchFolder.LATENCY_TABLE), device).orElse(null);
            if (table == null) {
                err.println("note: " + folder.file(SearchFolder.LATENCY_TABLE) + " was measured elsewhere, for another space or another way; measuring again");
            }
        }
        // a check saved in this folder is of the table read from it, not of one given or measured now
        boolean savedCheckApplies = table != null && plan.measuredTable().isEmpty();
        if (table == null) {
            table = LatencyTable.measure(teacher, scores, space, writer, OnnxRuntimeTimer.relativeTo(teacherFile, timing),
                    plan.fitModels(), plan.seed() ^ FIT_SEED, progress);
            folder.write(SearchFolder.LATENCY_TABLE, Json.write(table.toMap(device)));
        }
        double teacherMillis = table.predictMillis(space.full(NumericForm.FP32, TokenTableForm.FP32));
        Map<String, Object> check = Map.of();
        if (checks > 0) {
            if (savedCheckApplies && folder.has(SearchFolder.LATENCY_CHECK)) {
                Map<String, Object> saved = read(folder.file(SearchFolder.LATENCY_CHECK));
                if (device.equals(saved.get("device")) && saved.get("checks") instanceof Number n && n.intValue() == checks
                        && saved.get("mape_percent") instanceof Number && saved.get("worst_percent") instanceof Number) {
                    check = saved;
                }
            }
            if (check.isEmpty()) {
                LatencyValidation.Result result = LatencyValidation.check(table, teacher, scores, space, writer, teacherFile,
                        timing.withRuns(Math.max(timing.runs(), 50)), checks, plan.seed(), progress);
                check = summary(device, result);
                folder.write(SearchFolder.LATENCY_CHECK, Json.write(check));
            }
            err.printf(Locale.ROOT, "latency table: mean absolute error %.1f%% on %d random candidates, worst %.1f%% (%s)%n",
                    ((Number) check.get("mape_percent")).doubleValue(), checks,
                    ((Number) check.get("worst_percent")).doubleValue(), check.get("worst"));
        }
        Optional<OnnxRuntimeTimer> measure = Optional.empty();
        if (!check.isEmpty() && ((Number) check.get("mape_percent")).doubleValue() > MEASURE_ABOVE_PERCENT) {
            err.printf(Locale.ROOT, "note: the latency table is off by more than %.0f%%: every candidate is timed for real,"
                    + " interleaved with the teacher%n", MEASURE_ABOVE_PERCENT);
            measure = Optional.of(OnnxRuntimeTimer.relativeTo(teacherFile, timing));
        }
        return new SearchLatency(table, teacherMillis, check, measure, teacher, scores, writer);
    }

    /**
     * The table another search saved in {@code file}, if it was measured with these timing settings
     * for this space on this device; otherwise one line naming the file (read before a search starts,
     * so a wrong table leaves nothing behind).
     */
    static LatencyTable readMeasured(Path file, BenchmarkOptions timing, SearchSpace space) {
        if (!Files.isRegularFile(file)) {
            throw NncjException.inFile(file, "is not a file (give a search's latency-table.json)");
        }
        String device = device(timing) + " | " + space.describe();
        return savedTable(file, device).orElseThrow(() -> NncjException.inFile(file,
                "is a latency table of another device, settings, space or way of measuring; this search needs: " + device));
    }

    /**
     * The p50 ratio of {@code a} to the teacher the search steers by: the table's prediction, or,
     * when the table failed its check, a measurement interleaved with the teacher (once per candidate).
     */
    double latencyRatio(Architecture a) {
        if (measureInstead.isEmpty()) {
            return predictedRatio(a);
        }
        OnnxRuntimeTimer timer = measureInstead.get();
        return measured.computeIfAbsent(a.toString(), k -> timer.p50Ratio(writer.write(
                CandidateEncoder.of(teacher, scores, a), a.form(), a.table())));
    }

    /** Whether candidates are timed rather than predicted. */
    boolean measuresCandidates() {
        return measureInstead.isPresent();
    }

    /** The table's p50 of {@code a} over its p50 of the whole teacher in fp32. */
    double predictedRatio(Architecture a) {
        return table.predictMillis(a) / teacherPredictedMillis;
    }

    /** The saved check (device, MAPE, worst case, every candidate), empty when none was asked for. */
    Map<String, Object> check() {
        return check;
    }

    /** The device a table belongs to: CPU, SIMD flags, runtime, threads, batch and sequence length. */
    static String device(BenchmarkOptions timing) {
        MachineInfo m = MachineInfo.current();
        return m.cpuModel() + " [" + String.join(" ", m.simd()) + "] onnxruntime " + m.ortVersion() + ", "
                + timing.runtime().intraOpThreads() + " thread(s), batch " + timing.batch() + ", seq " + timing.seqLen();
    }

    private static Map<String, Object> summary(String device, LatencyValidation.Result result) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("device", device);
        m.put("checks", result.checks().size());
        m.put("mape_percent", result.meanAbsolutePercentageError());
        m.put("worst_percent", 100 * result.worst().absoluteError());
        m.put("worst", result.worst().architecture().toString());
        List<Map<String, Object>> rows = new ArrayList<>();
        for (LatencyValidation.Check c : result.checks()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("architecture", c.architecture().toString());
            row.put("predicted_ratio", c.predictedRatio());
            row.put("measured_ratio", c.measuredRatio());
            rows.add(row);
        }
        m.put("candidates", rows);
        return m;
    }

    /** The table saved in {@code file} if it was measured for {@code device}; one line naming the file if it is no table. */
    private static Optional<LatencyTable> savedTable(Path file, String device) {
        try {
            return LatencyTable.fromMap(read(file), device);
        } catch (IllegalArgumentException e) {
            throw NncjException.inFile(file, "is not a latency table NNCJ wrote: " + e.getMessage(), e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> read(Path file) {
        try {
            Map<String, Object> m = Json.mapper().readValue(file.toFile(), Map.class);
            if (m == null) {
                throw NncjException.inFile(file, "is not the search's JSON: it holds null");
            }
            return m;
        } catch (IOException e) {
            throw NncjException.inFile(file, "is not the search's JSON: " + e.getMessage(), e);
        }
    }
}
