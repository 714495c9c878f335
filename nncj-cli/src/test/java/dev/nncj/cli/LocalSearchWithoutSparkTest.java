package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution ships no Spark, so a local search must never touch it: run in a fresh JVM whose
 * class path holds everything of this test's but Spark and Scala, a search ends with its front as it
 * does here, and fails (as it should) only when asked for a Spark executor.
 */
class LocalSearchWithoutSparkTest {
    @TempDir
    Path dir;

    @Test
    void aLocalSearchRunsWithNoSparkOrScalaJarOnTheClassPath() throws Exception {
        Path clf = SearchCommandTest.classifier(dir);
        String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !isSparkOrScala(entry))
                .collect(Collectors.joining(File.pathSeparator));
        assertThat(classPath.split(File.pathSeparator).length)
                .as("Spark and Scala jars were on the test class path to remove")
                .isLessThan(System.getProperty("java.class.path").split(File.pathSeparator).length);

        Child local = run(classPath, SearchCommandTest.search(dir, clf, dir.resolve("local"), "--stages", "inherited",
                "--latency-checks", 0));
        assertThat(local.exit).as(local.err).isZero();
        assertThat(local.err).doesNotContain("org/apache/spark", "NoClassDefFoundError");
        assertThat(dir.resolve("local/pareto.json")).exists();

        Child spark = run(classPath, SearchCommandTest.search(dir, clf, dir.resolve("spark"), "--stages", "inherited",
                "--latency-checks", 0, "--executor", "spark", "--spark-master", "local[1]"));
        assertThat(spark.exit).isNotZero();
        assertThat(spark.err.strip().lines()).hasSize(1).first().asString().startsWith("nncj: ").contains("Spark");
    }

    private static boolean isSparkOrScala(String entry) {
        String path = entry.replace(File.separatorChar, '/');
        return path.contains("/org/apache/spark/") || path.contains("/org/scala-lang/");
    }

    private record Child(int exit, String err) {}

    private Child run(String classPath, List<Object> args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-Dai.djl.offline=true", "-cp", classPath, Nncj.class.getName()));
        args.forEach(a -> command.add(String.valueOf(a)));
        Path err = Files.createTempFile(dir, "child", ".err");
        Process child = new ProcessBuilder(command).directory(dir.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile()).start();
        try {
            assertThat(child.waitFor(5, TimeUnit.MINUTES)).as("the child search ends").isTrue();
        } finally {
            child.destroyForcibly();
        }
        return new Child(child.exitValue(), Files.readString(err));
    }
}
