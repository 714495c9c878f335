package dev.nncj.cli.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A fuzz campaign: generate the cases (fixed seed), run them in child JVMs, judge each, and write
 * report.md. {@link FuzzCampaignTest} runs the CI sample; the long run is the same test with more
 * cases (see its comment), or this class's main on the test class path with the same properties.
 */
public final class FuzzCampaign {
    private FuzzCampaign() {}

    /**
     * @param findings failures that belong to no case (files the child JVMs left outside any case)
     */
    record Result(FuzzConfig config, List<CaseResult> results, List<String> findings, List<Long> childHighWaterKb,
                  long wallMillis, Path root) {
        List<CaseResult> failures() {
            return results.stream().filter(r -> !r.passed()).toList();
        }

        boolean passed() {
            return failures().isEmpty() && findings.isEmpty();
        }

        String markdown() {
            return FuzzReport.markdown(this);
        }
    }

    static Result run(FuzzConfig config) throws InterruptedException {
        long t0 = System.nanoTime();
        Path root = config.dir().resolve(config.only().isEmpty() ? "seed-" + config.seed() + "-" + config.cases() : "only");
        deleteRecursively(root);
        List<FuzzCase> cases = generate(config, root);
        CampaignRunner runner = new CampaignRunner(config, root);
        List<CaseResult> results = runner.run(cases);
        Result result = new Result(config, results, runner.findings(), runner.childHighWaterKb(), (System.nanoTime() - t0) / 1_000_000, root);
        try {
            Files.writeString(root.resolve("report.md"), result.markdown());
            Files.writeString(root.resolve("cases.tsv"), FuzzReport.tsv(results));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return result;
    }

    private static List<FuzzCase> generate(FuzzConfig config, Path root) {
        Path cases = root.resolve("cases");
        Path outside = root.resolve("outside");
        if (config.only().isEmpty()) {
            return FuzzKinds.sample(config.cases(), config.seed(), config.kindsToRun(), cases, outside);
        }
        List<FuzzCase> only = new ArrayList<>();
        for (String spec : config.only()) {
            int colon = spec.lastIndexOf(':');
            only.add(FuzzKinds.generate(only.size(), spec.substring(0, colon), Long.parseLong(spec.substring(colon + 1)), cases, outside));
        }
        return only;
    }

    /** Deletes links, FIFOs and files themselves, never what a link points to. */
    static void deleteRecursively(Path root) {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The long run without Maven's test runner (same properties as the test):
     * {@code java -Dnncj.fuzz.cases=1000 -cp TEST_CLASSPATH dev.nncj.cli.fuzz.FuzzCampaign}. Exit 1 if a case failed.
     */
    public static void main(String[] args) throws InterruptedException {
        Result r = run(FuzzConfig.fromSystemProperties());
        System.out.println(r.markdown());
        System.out.println("report: " + r.root().resolve("report.md"));
        System.exit(r.passed() ? 0 : 1);
    }
}
