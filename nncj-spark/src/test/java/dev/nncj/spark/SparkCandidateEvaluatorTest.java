package dev.nncj.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nncj.search.Architecture;
import dev.nncj.search.CandidateEvaluator;
import dev.nncj.search.Fidelity;
import dev.nncj.search.JournalEntry;
import dev.nncj.search.SearchListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same small search, run with the plain local evaluator and on a real two-executor Spark
 * cluster, must write the same journal; and still does when an executor JVM is killed while it
 * evaluates a candidate.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class SparkCandidateEvaluatorTest {
    @TempDir
    static Path dir;

    private static Path shared;
    private static List<String> local;
    private static LocalTestCluster cluster;

    @BeforeAll
    static void localJournalAndCluster() throws Exception {
        shared = dir.resolve("shared");
        TinyClassifierSearch.writeInputs(shared);
        List<JournalEntry> entries = TinyClassifierSearch.run(new TinyClassifierEvaluator.Factory(shared.toString()).create(1),
                shared, dir.resolve("local.jsonl"), SearchListener.NONE);
        local = TinyClassifierSearch.withoutTimes(entries);
        cluster = new LocalTestCluster(Path.of(System.getProperty("nncj.cache")));
        cluster.awaitExecutors();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void theClusterWritesTheJournalTheLocalEvaluatorWrites() throws Exception {
        cluster.awaitExecutors();
        clearEvaluators();
        List<JournalEntry> entries = TinyClassifierSearch.run(evaluator(), shared, dir.resolve("spark.jsonl"),
                SearchListener.NONE);

        assertThat(TinyClassifierSearch.withoutTimes(entries)).containsExactlyElementsOf(local);
        // a real search: candidates that score differently, failures that travelled back as results
        assertThat(entries).filteredOn(JournalEntry::isFailure).isNotEmpty();
        assertThat(entries.stream().filter(e -> !e.isFailure()).map(e -> e.objectives().accuracy()).distinct())
                .hasSizeGreaterThan(2);
        // evaluated in the executors' JVMs, both of them, never in the driver's
        assertThat(evaluators()).hasSize(LocalTestCluster.EXECUTORS).doesNotContain(ProcessHandle.current().pid());
    }

    @Test
    void anExecutorKilledMidCandidateCostsARetryAndTheJournalIsTheSame() throws Exception {
        cluster.awaitExecutors();
        int failedBefore = cluster.failedTasks();
        AtomicLong killed = new AtomicLong(-1);
        Thread killer = new Thread(() -> killed.set(killVictim()), "executor-killer");
        killer.start();
        // arm the kill once generation 0 is journaled: it lands in generation 1's job
        SearchListener armAfterFirstGeneration = (phase, done, total, latest, best) -> {
            if (phase.startsWith("generation 0/") && done == total) {
                touch(shared.resolve("kill-armed"));
            }
        };

        List<JournalEntry> entries = TinyClassifierSearch.run(evaluator(), shared, dir.resolve("killed.jsonl"),
                armAfterFirstGeneration);
        killer.join(TimeUnit.SECONDS.toMillis(30));

        assertThat(killed.get()).as("an executor JVM was killed").isPositive();
        assertThat(ProcessHandle.of(killed.get()).map(ProcessHandle::isAlive)).isIn(Optional.empty(), Optional.of(false));
        assertThat(TinyClassifierSearch.withoutTimes(entries)).containsExactlyElementsOf(local);
        assertThat(entries.stream().map(e -> e.stage() + " " + e.architecture())).doesNotHaveDuplicates();
        awaitFailedTasksAbove(failedBefore);
    }

    @Test
    void aCandidateIsHandedBackOnceThoseBeforeItAreDoneNotWhenTheWholeJobIs() throws Exception {
        cluster.awaitExecutors();
        Architecture first = Architecture.parse("layers 0,1 heads 2,2 ffn 16,8 fp32 table-fp32");
        Architecture second = Architecture.parse("layers 1,2 heads 2,1 ffn 8,16 fp32 table-fp32");
        Path hold = Files.writeString(shared.resolve("hold"), second.toString());
        List<String> seen = new ArrayList<>();

        evaluator().evaluateAll(List.of(first, second), Fidelity.INHERITED, r -> {
            seen.add(r.candidate() + (Files.exists(hold) ? " while the second was held" : ""));
            if (r.candidate().equals(first)) {
                touchOff(hold);
            }
        });

        assertThat(seen).containsExactly(first + " while the second was held", second.toString());
    }

    @Test
    void aCandidateThatKillsItsExecutorOrThrowsEveryTimeIsJournaledAsFailedAfterTwoAttempts() throws Exception {
        cluster.awaitExecutors();
        Architecture good = Architecture.parse("layers 0,2 heads 2,2 ffn 16,16 fp32 table-fp32");
        Architecture killer = Architecture.parse("layers 0 heads 2 ffn 12 fp32 table-fp32");
        Architecture thrower = Architecture.parse("layers 2 heads 2 ffn 12 fp32 table-fp32");
        Path poison = Files.writeString(shared.resolve("poison"), "halt " + killer + "\nthrow " + thrower + "\n");
        List<CandidateEvaluator.Result> results = new ArrayList<>();
        try {
            evaluator().evaluateAll(List.of(good, killer, thrower), Fidelity.INHERITED, results::add);
        } finally {
            Files.delete(poison);
        }

        assertThat(results).extracting(CandidateEvaluator.Result::failure).containsExactly("",
                "its executor was lost during the last of 2 attempts",
                "failed 2 attempts, the last with java.lang.IllegalStateException: poisoned by the test");
    }

    private static SparkCandidateEvaluator evaluator() {
        return new SparkCandidateEvaluator(cluster.spark(), new TinyClassifierEvaluator.Factory(shared.toString()));
    }

    /** Waits (two minutes at most) for an evaluation to name its JVM as the victim, and kills that JVM. */
    private static long killVictim() {
        Path pidFile = shared.resolve("victim.pid");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        try {
            while (!Files.exists(pidFile)) {
                if (System.nanoTime() > deadline) {
                    return -1;
                }
                TimeUnit.MILLISECONDS.sleep(100);
            }
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            ProcessHandle victim = ProcessHandle.of(pid).orElseThrow();
            victim.destroyForcibly(); // SIGKILL: the executor dies mid-task, as with a lost machine
            victim.onExit().get(30, TimeUnit.SECONDS);
            return pid;
        } catch (Exception e) {
            return -1;
        }
    }

    private static void awaitFailedTasksAbove(int before) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (cluster.failedTasks() <= before && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(100);
        }
        assertThat(cluster.failedTasks()).as("the killed executor's task failed and was retried").isGreaterThan(before);
    }

    private static Set<Long> evaluators() throws IOException {
        try (Stream<Path> files = Files.list(shared.resolve("evaluated-by"))) {
            return files.map(p -> Long.parseLong(p.getFileName().toString())).collect(Collectors.toSet());
        }
    }

    private static void clearEvaluators() throws IOException {
        try (Stream<Path> files = Files.list(shared.resolve("evaluated-by"))) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
        }
    }

    private static void touchOff(Path file) {
        try {
            Files.delete(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void touch(Path file) {
        try {
            Files.writeString(file, "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
