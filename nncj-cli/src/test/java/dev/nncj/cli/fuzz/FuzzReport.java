package dev.nncj.cli.fuzz;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** A campaign's counts as Markdown tables (for bench/results) and the table of failing cases. */
final class FuzzReport {
    private FuzzReport() {}

    static String markdown(FuzzCampaign.Result r) {
        StringBuilder s = new StringBuilder();
        List<CaseResult> results = r.results();
        long failed = results.stream().filter(c -> !c.passed()).count();
        s.append(String.format(Locale.ROOT, "## Fuzz campaign: %d cases, seed %d%n%n", results.size(), r.config().seed()));
        s.append(String.format(Locale.ROOT, "%d passed, %d failed; %d child JVMs (-Xmx%s, %d s per case), %.1f s wall. ",
                results.size() - failed, failed, r.childHighWaterKb().size(), r.config().heap(), r.config().timeoutSeconds(),
                r.wallMillis() / 1000.0));
        s.append(memory(r)).append("\n\n");
        s.append(outcomes(results)).append('\n');
        s.append(byGroup("kind", results, c -> c.fuzzCase().kind())).append('\n');
        s.append(byGroup("command", results, c -> c.fuzzCase().command().label())).append('\n');
        if (!r.findings().isEmpty()) {
            s.append(findings(r.findings())).append('\n');
        }
        if (failed > 0) {
            s.append(failingCases(results));
        }
        return s.toString();
    }

    private static String memory(FuzzCampaign.Result r) {
        List<Long> peaks = r.results().stream().map(c -> c.run().peakRssKb()).filter(k -> k > 0).sorted().toList();
        if (peaks.isEmpty()) {
            return "No resident-memory samples (not Linux?).";
        }
        CaseResult top = r.results().stream().max(Comparator.comparingLong(c -> c.run().peakRssKb())).orElseThrow();
        long childMax = r.childHighWaterKb().stream().mapToLong(Long::longValue).max().orElse(0);
        return String.format(Locale.ROOT, "Resident memory sampled every 50 ms: per case median %d MB, max %d MB (%s %s); "
                        + "per child JVM peak (VmHWM) max %d MB; limit %d MB.",
                peaks.get(peaks.size() / 2) / 1024, top.run().peakRssKb() / 1024, top.fuzzCase().id(), top.fuzzCase().kind(),
                childMax / 1024, r.config().rssLimitMb());
    }

    private static String outcomes(List<CaseResult> results) {
        Map<Outcome, Long> first = new EnumMap<>(Outcome.class);
        Map<Outcome, Long> any = new EnumMap<>(Outcome.class);
        for (CaseResult c : results) {
            first.merge(c.primary(), 1L, Long::sum);
            c.failures().forEach(o -> any.merge(o, 1L, Long::sum));
        }
        StringBuilder s = new StringBuilder("| outcome | cases (first failure) | cases (any) | meaning |\n|---|---:|---:|---|\n");
        for (Outcome o : Outcome.values()) {
            if (first.containsKey(o) || any.containsKey(o)) {
                s.append(String.format(Locale.ROOT, "| %s | %d | %s | %s |%n", o, first.getOrDefault(o, 0L),
                        o.passed() ? "" : Long.toString(any.getOrDefault(o, 0L)), o.meaning));
            }
        }
        return s.toString();
    }

    private static String byGroup(String title, List<CaseResult> results, java.util.function.Function<CaseResult, String> key) {
        Map<String, List<CaseResult>> groups = new LinkedHashMap<>();
        results.forEach(c -> groups.computeIfAbsent(key.apply(c), k -> new ArrayList<>()).add(c));
        StringBuilder s = new StringBuilder("| " + title + " | cases | passed | failed | failures (first outcome) |\n|---|---:|---:|---:|---|\n");
        for (Map.Entry<String, List<CaseResult>> g : groups.entrySet()) {
            List<CaseResult> cs = g.getValue();
            long passed = cs.stream().filter(CaseResult::passed).count();
            String failures = cs.stream().filter(c -> !c.passed())
                    .collect(Collectors.groupingBy(CaseResult::primary, () -> new EnumMap<>(Outcome.class), Collectors.counting()))
                    .entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
            s.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %s |%n", g.getKey(), cs.size(), passed, cs.size() - passed, failures));
        }
        return s.toString();
    }

    static String findings(List<String> findings) {
        return "### Outside any case\n\n" + findings.stream().map(f -> "- " + f + "\n").collect(Collectors.joining());
    }

    /** One row per failing case, with what reproduces it alone: -Dnncj.fuzz.only=kind:seed. */
    static String failingCases(List<CaseResult> results) {
        StringBuilder s = new StringBuilder("### Failing cases (reproduce one with -Dnncj.fuzz.only=KIND:SEED)\n\n"
                + "| case | reproduce | command | expected | exit | ms | outcomes | error line | notes | input |\n"
                + "|---|---|---|---|---:|---:|---|---|---|---|\n");
        for (CaseResult c : results) {
            if (c.passed()) {
                continue;
            }
            FuzzCase f = c.fuzzCase();
            s.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %d | %s | %s | %s | %s |%n", f.id(), f.reproduce(),
                    cell(f.command().label(), 60), f.expectation(), c.run().exitCode() < 0 ? "-" : Integer.toString(c.run().exitCode()),
                    c.run().millis(), c.failures().stream().map(Enum::name).collect(Collectors.joining(" ")),
                    cell(c.errorLine(), 200), cell(String.join("; ", c.notes()), 200), cell(f.description(), 160)));
        }
        return s.toString();
    }

    /** Every case, one TSV line: for auditing what passed as well as what failed. */
    static String tsv(List<CaseResult> results) {
        StringBuilder s = new StringBuilder("case\tkind\tseed\tcommand\texpected\texit\tms\tpeak_rss_mb\toutcome\tall_failures\terror_line\tnotes\tinput\n");
        for (CaseResult c : results) {
            FuzzCase f = c.fuzzCase();
            s.append(String.join("\t", f.id(), f.kind(), Long.toString(f.seed()), f.command().label(), f.expectation().name(),
                    Integer.toString(c.run().exitCode()), Long.toString(c.run().millis()), Long.toString(c.run().peakRssKb() / 1024),
                    c.primary().name(), c.failures().stream().map(Enum::name).collect(Collectors.joining(" ")),
                    cell(c.errorLine(), 400), cell(String.join("; ", c.notes()), 400), cell(f.description(), 400))).append('\n');
        }
        return s.toString();
    }

    private static String cell(String text, int max) {
        String t = text.replace('|', '/').replace('\n', ' ').replace('\t', ' ');
        return t.length() <= max ? t : t.substring(0, max - 1) + "…";
    }
}
