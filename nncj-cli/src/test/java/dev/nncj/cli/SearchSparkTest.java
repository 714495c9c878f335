package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * nncj search with its candidates evaluated on a real two-executor Spark cluster
 * ({@code local-cluster[2,1,1024]}: a Master and two Workers in this JVM, each executor a JVM of its own;
 * nncj-cli's pom gives this JVM Spark's environment and options, see nncj-spark's LocalTestCluster) writes
 * the journal a local search with the same seed writes.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class SearchSparkTest {
    private static final String CLUSTER = "local-cluster[2,1,1024]";

    @TempDir
    Path dir;

    @Test
    void theClusterWritesTheJournalALocalSearchWrites() throws Exception {
        Path clf = SearchCommandTest.classifier(dir);
        Path local = dir.resolve("local");
        CliRun here = CliRun.of(SearchCommandTest.search(dir, clf, local, "--stages", "inherited", "--latency-checks", 0).toArray());
        assertThat(here.exitCode()).as(here.err()).isZero();

        // the cluster's search predicts latency from the same table (the driver's device, passed in), so the
        // evolution sees the same objectives: the journal's header and the table, then --resume
        Path spark = Files.createDirectories(dir.resolve("spark"));
        Files.writeString(spark.resolve("journal.jsonl"), Files.readAllLines(local.resolve("journal.jsonl")).get(0) + "\n");
        Files.copy(local.resolve("latency-table.json"), spark.resolve("latency-table.json"));
        Path sparkHome = Path.of(System.getenv("SPARK_HOME"));
        Files.createDirectories(sparkHome.resolve("jars")); // the Workers build executors' class paths from it
        List<Path> appsBefore = apps(sparkHome);
        CliRun cluster = CliRun.of(SearchCommandTest.search(dir, clf, spark, "--stages", "inherited", "--latency-checks", 0,
                "--resume", "--executor", "spark", "--spark-master", CLUSTER, "--shared-folder", dir.resolve("shared")).toArray());
        assertThat(cluster.exitCode()).as(cluster.err()).isZero();

        List<String> expected = entries(local);
        assertThat(expected).hasSizeGreaterThan(4); // generation 1 too: evolution on the candidates' scores
        assertThat(entries(spark)).containsExactlyElementsOf(expected);
        // scored on the cluster, from the inputs copied to the shared folder
        List<Path> appsAfter = apps(sparkHome);
        appsAfter.removeAll(appsBefore);
        assertThat(appsAfter).as("one Spark application ran on the Workers").hasSize(1);
        try (Stream<Path> executors = Files.list(appsAfter.get(0))) {
            assertThat(executors.count()).as("executors the Workers started").isEqualTo(2);
        }
        try (Stream<Path> copies = Files.list(dir.resolve("shared"))) {
            assertThat(copies.findFirst().orElseThrow()).satisfies(d -> assertThat(d.resolve("teacher.onnx")).isRegularFile());
        }
    }

    @Test
    void sparkWithoutAMasterIsRefusedBeforeAnyWork() throws Exception {
        Path clf = SearchCommandTest.classifier(dir);
        Path out = dir.resolve("never");
        CliRun run = CliRun.of(SearchCommandTest.search(dir, clf, out, "--executor", "spark").toArray());
        assertThat(run.exitCode()).as("a usage error").isEqualTo(2);
        assertThat(run.errorLine()).contains("--spark-master");
        assertThat(out).doesNotExist();
    }

    /** Each journal entry without what depends on this run's clock: seconds, and latency (the same table anyway). */
    private static List<String> entries(Path search) throws IOException {
        List<String> lines = Files.readAllLines(search.resolve("journal.jsonl"));
        List<String> out = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : lines.subList(1, lines.size())) {
            JsonNode e = json.readTree(line);
            out.add(e.path("stage").asText() + " | " + e.path("candidate").asText() + " | " + e.path("accuracy").asText()
                    + " | " + e.path("bytes").asText() + " | " + e.path("size_ratio").asText() + " | "
                    + e.path("latency_ratio").asText() + " | " + e.path("failure").asText());
        }
        return out;
    }

    /** The applications the Workers ran (SPARK_HOME/work/app-*), each a folder per executor. */
    private static List<Path> apps(Path sparkHome) throws IOException {
        Path work = sparkHome.resolve("work");
        if (!Files.isDirectory(work)) {
            return new ArrayList<>();
        }
        try (Stream<Path> apps = Files.list(work)) {
            return new ArrayList<>(apps.filter(p -> p.getFileName().toString().startsWith("app-")).toList());
        }
    }
}
