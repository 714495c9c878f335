package dev.nncj.cli.fuzz;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A campaign's settings, from system properties (Maven passes {@code -Dname=value} to the test JVM):
 * <pre>
 * nncj.fuzz.cases        number of cases (default 100, the CI sample; 1000 or more for the long run)
 * nncj.fuzz.seed         campaign seed (default 17, fixed: the CI sample is the same every run)
 * nncj.fuzz.only         kind:seed[,kind:seed...]: just these cases (a failure's reproduce column)
 * nncj.fuzz.kinds        kind[,kind...]: cycle through these kinds only
 * nncj.fuzz.timeout      seconds a case may run (default 20)
 * nncj.fuzz.batch        cases per child JVM (default 50)
 * nncj.fuzz.heap         the child's -Xmx (default 512m)
 * nncj.fuzz.rssLimitMb   resident memory at which a child is killed (default 1536)
 * nncj.fuzz.dir          where cases, logs and report.md go (default target/fuzz)
 * </pre>
 */
record FuzzConfig(int cases, long seed, List<String> only, List<String> kinds, int timeoutSeconds, int batchSize,
                  String heap, long rssLimitMb, Path dir) {

    static FuzzConfig fromSystemProperties() {
        return new FuzzConfig(
                Integer.getInteger("nncj.fuzz.cases", 100),
                Long.getLong("nncj.fuzz.seed", 17),
                list("nncj.fuzz.only"),
                list("nncj.fuzz.kinds"),
                Integer.getInteger("nncj.fuzz.timeout", 20),
                Integer.getInteger("nncj.fuzz.batch", 50),
                System.getProperty("nncj.fuzz.heap", "512m"),
                Long.getLong("nncj.fuzz.rssLimitMb", 1536),
                Path.of(System.getProperty("nncj.fuzz.dir", "target/fuzz")).toAbsolutePath());
    }

    private static List<String> list(String property) {
        return Optional.ofNullable(System.getProperty(property)).filter(s -> !s.isBlank())
                .map(s -> Arrays.stream(s.split(",")).map(String::strip).toList()).orElse(List.of());
    }

    /** The kinds this campaign cycles through. */
    List<String> kindsToRun() {
        return kinds.isEmpty() ? List.copyOf(FuzzKinds.ALL.keySet()) : kinds;
    }
}
