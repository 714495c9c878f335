package dev.nncj.cli;

import dev.nncj.eval.EvalResult;
import dev.nncj.report.CompressionReport;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Prints a compression command's before/after table, or its JSON. */
final class ReportPrinter {
    private ReportPrinter() {}

    static void print(CompressionReport r, PrintWriter out) {
        out.printf(Locale.ROOT, "%-10s %12s %12s %8s%n", "", "before", "after", "ratio");
        out.printf(Locale.ROOT, "%-10s %12s %12s %7.3fx%n", "size", Sizes.bytes(r.originalBytes()),
                Sizes.bytes(r.compressedBytes()), r.sizeRatio());
        out.printf(Locale.ROOT, "%-10s %12s %12s %7.3fx%n", "p50", Sizes.millis(r.latency().other().p50Ms()),
                Sizes.millis(r.latency().model().p50Ms()), r.latencyRatio());
        r.compressedMetric().ifPresent(after -> out.printf(Locale.ROOT, "%-10s %12s %12s   (95%% CI %.4f to %.4f, n = %d)%n",
                after.metric(), r.originalMetric().map(b -> String.format(Locale.ROOT, "%.4f", b.value())).orElse("1 (itself)"),
                String.format(Locale.ROOT, "%.4f", after.value()), after.ci95().low(), after.ci95().high(), after.n()));
        var m = r.latency().model();
        out.printf(Locale.ROOT, "latency: batch 1, seq len %d, %d thread(s), %d interleaved runs each, one process; %s, ORT %s%n",
                m.seqLen(), m.runtime().intraOpThreads(), m.runs(), m.machine().cpuModel(), m.machine().ortVersion());
    }

    static Map<String, Object> toJson(CompressionReport r) {
        Map<String, Object> obj = new LinkedHashMap<>();
        obj.put("original", r.original().toString());
        obj.put("compressed", r.compressed().toString());
        obj.put("bytes_before", r.originalBytes());
        obj.put("bytes_after", r.compressedBytes());
        obj.put("size_ratio", r.sizeRatio());
        obj.put("p50_ms_before", r.latency().other().p50Ms());
        obj.put("p50_ms_after", r.latency().model().p50Ms());
        obj.put("ratio_p50", r.latencyRatio());
        r.originalMetric().ifPresent(e -> obj.put("metric_before", metric(e)));
        r.compressedMetric().ifPresent(e -> obj.put("metric_after", metric(e)));
        return obj;
    }

    private static Map<String, Object> metric(EvalResult e) {
        Map<String, Object> m = new LinkedHashMap<>(e.metrics());
        m.put("metric", e.metric());
        m.put("ci95", java.util.List.of(e.ci95().low(), e.ci95().high()));
        m.put("n", e.n());
        return m;
    }

}
