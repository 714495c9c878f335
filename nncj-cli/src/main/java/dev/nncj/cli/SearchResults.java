package dev.nncj.cli;

import dev.nncj.NncjException;
import dev.nncj.OutputFiles;
import dev.nncj.ProgressListener;
import dev.nncj.data.TextClassificationDataset;
import dev.nncj.data.TextTokenizer;
import dev.nncj.eval.EvalOptions;
import dev.nncj.eval.EvalResult;
import dev.nncj.eval.TextClassificationEval;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.runtime.Benchmark;
import dev.nncj.runtime.BenchmarkOptions;
import dev.nncj.runtime.ComparisonResult;
import dev.nncj.search.ArchitectureSearch;
import dev.nncj.search.Budget;
import dev.nncj.search.Fidelity;
import dev.nncj.search.FrontPoint;
import dev.nncj.search.Hypervolume;
import dev.nncj.search.Objectives;
import dev.nncj.search.Scored;
import dev.nncj.search.SearchReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The end of a search: every model of the final front written to {@code front/NN/model.onnx} with
 * its tokenizer, measured for real (p50 interleaved with the teacher, accuracy on all of the
 * selection data and, once, on the test data), then pareto.json and report.html.
 */
final class SearchResults {
    /** Timed runs of each front model's comparison with the teacher, as {@code nncj bench --compare}. */
    static final int COMPARISON_RUNS = 100;

    /** What the search was given, for the results. */
    record Inputs(Path teacherFile, Path tokenizerFile, Path eval, Optional<Path> test, Budget budget,
                  BenchmarkOptions timing, Fidelity lastStage, double hours) {}

    private SearchResults() {}

    static List<FrontPoint> write(SearchFolder folder, ArchitectureSearch.Outcome outcome, Inputs in, SearchLatency latency,
            LocalCandidateEvaluator evaluator, ProgressListener progress, PrintWriter out) throws IOException {
        List<Scored> front = new ArrayList<>(outcome.front());
        front.sort(Comparator.comparingDouble(s -> s.objectives().latencyRatio()));
        if (front.isEmpty()) {
            throw NncjException.inFile(folder.dir(), "no candidate could be scored (every one failed: see "
                    + SearchFolder.JOURNAL + ")");
        }
        if (front.stream().noneMatch(s -> in.budget().admits(s.objectives()))) {
            Scored closest = front.stream().min(Comparator.comparingDouble(s -> in.budget().violation(s.objectives()))).orElseThrow();
            throw NncjException.inFile(folder.dir(), String.format(Locale.ROOT,
                    "no candidate meets the budget (%s); the closest is %s at p50 %.3fx, file %.3fx (predicted)",
                    in.budget().describe(), closest.architecture(), closest.objectives().latencyRatio(),
                    closest.objectives().sizeRatio()));
        }
        TextClassificationDataset dev = TextClassificationDataset.load(in.eval());
        Optional<TextClassificationDataset> test = in.test().map(TextClassificationDataset::load);
        long teacherBytes = Files.size(in.teacherFile());
        List<FrontPoint> points = new ArrayList<>();
        double teacherMillis = Double.NaN;
        try (TextTokenizer tokenizer = TextTokenizer.load(in.tokenizerFile())) {
            EvalResult teacherDev = accuracy(in.teacherFile(), dev, tokenizer);
            OptionalDouble teacherTest = test.map(t -> OptionalDouble.of(accuracy(in.teacherFile(), t, tokenizer).value()))
                    .orElse(OptionalDouble.empty());
            for (int i = 0; i < front.size(); i++) {
                Scored s = front.get(i);
                String name = String.format(Locale.ROOT, "%s/%02d/model.onnx", SearchFolder.FRONT, i + 1);
                Path file = folder.file(name);
                Files.createDirectories(file.getParent());
                Path tmp = OutputFiles.tempBeside(file);
                OnnxFiles.save(evaluator.build(s.architecture(), in.lastStage()), tmp);
                OutputFiles.moveIntoPlace(tmp, file);
                Files.copy(in.tokenizerFile(), file.resolveSibling("tokenizer.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                ComparisonResult c = Benchmark.compare(file, in.teacherFile(), in.timing().withRuns(COMPARISON_RUNS), progress);
                teacherMillis = c.other().p50Ms();
                EvalResult devResult = accuracy(file, dev, tokenizer);
                Optional<EvalResult> testResult = test.map(t -> accuracy(file, t, tokenizer));
                long bytes = Files.size(file);
                points.add(new FrontPoint(s.architecture(), in.lastStage(), c.ratioP50(), c.model().p50Ms(),
                        s.objectives().latencyRatio(), bytes, (double) bytes / teacherBytes, devResult.value(),
                        halfWidth(devResult), testResult.map(r -> OptionalDouble.of(r.value())).orElse(OptionalDouble.empty()),
                        testResult.map(r -> OptionalDouble.of(halfWidth(r))).orElse(OptionalDouble.empty()), name));
            }
            Map<String, Object> pareto = pareto(outcome, in, latency, points, teacherDev, teacherTest, teacherMillis, teacherBytes);
            folder.write(SearchFolder.PARETO, Json.write(pareto));
            List<String> summary = summary(outcome, in, latency);
            folder.write(SearchFolder.REPORT, SearchReport.html(new SearchReport.Data(in.teacherFile().getFileName().toString(),
                    teacherDev.value(), teacherMillis, teacherBytes, in.budget(), outcome.byStage(), points,
                    SearchLatency.device(in.timing()), summary)));
            print(out, folder, points, teacherDev, teacherTest, summary);
        }
        return points;
    }

    private static EvalResult accuracy(Path model, TextClassificationDataset data, TextTokenizer tokenizer) {
        return TextClassificationEval.run(model, data, tokenizer, EvalOptions.defaults(), ProgressListener.NONE);
    }

    private static double halfWidth(EvalResult r) {
        return (r.ci95().high() - r.ci95().low()) / 2;
    }

    private static List<String> summary(ArchitectureSearch.Outcome outcome, Inputs in, SearchLatency latency) {
        List<String> lines = new ArrayList<>();
        StringBuilder stages = new StringBuilder();
        for (Fidelity f : Fidelity.values()) {
            List<Scored> scored = outcome.byStage().get(f);
            if (scored != null) {
                stages.append(stages.length() == 0 ? "" : ", ").append(scored.size()).append(' ').append(f.label());
            }
        }
        lines.add(String.format(Locale.ROOT, "%d candidates evaluated in this run, %d read back from the journal, %d failed; "
                + "scored: %s; %.2f h of evaluation in all runs", outcome.evaluated(), outcome.replayed(), outcome.failed(),
                stages, in.hours()));
        lines.add("budget: " + in.budget().describe() + "; selection on " + in.eval().getFileName()
                + in.test().map(t -> "; " + t.getFileName() + " read once, for this report").orElse("; no test data"));
        if (!latency.check().isEmpty()) {
            lines.add(String.format(Locale.ROOT, "latency table: mean absolute error %.1f%% over %s random candidates, worst %.1f%%%s",
                    ((Number) latency.check().get("mape_percent")).doubleValue(), latency.check().get("checks"),
                    ((Number) latency.check().get("worst_percent")).doubleValue(),
                    latency.measuresCandidates() ? "; above " + SearchLatency.MEASURE_ABOVE_PERCENT
                            + "%, so every candidate was timed for real" : ""));
        }
        return lines;
    }

    private static Map<String, Object> pareto(ArchitectureSearch.Outcome outcome, Inputs in, SearchLatency latency,
            List<FrontPoint> points, EvalResult teacherDev, OptionalDouble teacherTest, double teacherMillis, long teacherBytes) {
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, Object> teacher = new LinkedHashMap<>();
        teacher.put("file", in.teacherFile().toString());
        teacher.put("p50_ms", teacherMillis);
        teacher.put("bytes", teacherBytes);
        teacher.put("dev_accuracy", teacherDev.value());
        teacherTest.ifPresent(v -> teacher.put("test_accuracy", v));
        m.put("teacher", teacher);
        m.put("device", SearchLatency.device(in.timing()));
        m.put("budget", in.budget().describe());
        m.put("evaluated", outcome.evaluated());
        m.put("replayed", outcome.replayed());
        m.put("failed", outcome.failed());
        Map<String, Object> byStage = new LinkedHashMap<>();
        outcome.byStage().forEach((f, scored) -> byStage.put(f.label(), scored.size()));
        m.put("scored_by_stage", byStage);
        m.put("evaluation_hours", in.hours());
        m.put("latency_source", latency.measuresCandidates()
                ? "every candidate timed, interleaved with the teacher (the table failed its check)" : "the latency table");
        if (!latency.check().isEmpty()) {
            m.put("latency_check", Map.of("mape_percent", latency.check().get("mape_percent"),
                    "worst_percent", latency.check().get("worst_percent"), "checks", latency.check().get("checks")));
        }
        List<Map<String, Object>> front = new ArrayList<>();
        for (FrontPoint p : points) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("architecture", p.architecture().toString());
            f.put("file", p.file());
            f.put("fidelity", p.stage().label());
            f.put("p50_ratio", p.p50Ratio());
            f.put("p50_ms", p.p50Millis());
            f.put("predicted_p50_ratio", p.predictedRatio());
            f.put("bytes", p.bytes());
            f.put("size_ratio", p.sizeRatio());
            f.put("dev_accuracy", p.devAccuracy());
            f.put("dev_ci95_half_width", p.devHalfWidth());
            p.testAccuracy().ifPresent(v -> f.put("test_accuracy", v));
            p.testHalfWidth().ifPresent(v -> f.put("test_ci95_half_width", v));
            front.add(f);
        }
        m.put("front", front);
        // what a comparison of searches (evolution against random, seed against seed) ranks fronts by
        m.put("hypervolume", Hypervolume.of(points.stream().map(p -> new Objectives(p.devAccuracy(), p.p50Ratio(), p.sizeRatio()))
                .toList(), 0, 1, 1));
        m.put("hypervolume_of", "the front's measured points: dev accuracy above 0, p50 and size ratios below the teacher's 1");
        return m;
    }

    private static void print(PrintWriter out, SearchFolder folder, List<FrontPoint> points, EvalResult teacherDev,
            OptionalDouble teacherTest, List<String> summary) {
        out.printf(Locale.ROOT, "%s: %d models on the front (teacher: dev %.4f%s)%n", folder.dir(), points.size(),
                teacherDev.value(), teacherTest.isPresent() ? String.format(Locale.ROOT, ", test %.4f", teacherTest.getAsDouble()) : "");
        for (FrontPoint p : points) {
            out.printf(Locale.ROOT, "  %s  p50 %.3fx (predicted %.3fx)  file %.4fx  dev %.4f%s  %s%n", p.file(), p.p50Ratio(),
                    p.predictedRatio(), p.sizeRatio(), p.devAccuracy(),
                    p.testAccuracy().isPresent() ? String.format(Locale.ROOT, "  test %.4f", p.testAccuracy().getAsDouble()) : "",
                    p.architecture());
        }
        summary.forEach(line -> out.println("  " + line));
        out.println("  report: " + folder.file(SearchFolder.REPORT));
    }
}
