package dev.nncj.zoo;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Where a zoo artifact is found when it is not on the class path (the distribution leaves the model
 * jars out): the local Maven repository, the one a build of NNCJ filled, {@code -Dmaven.repo.local}
 * or {@code ~/.m2/repository}. A jar missing there is fetched by Maven itself ({@code mvn
 * dependency:get}), so the user's Maven settings (mirror, proxy, credentials) apply and Maven checks
 * the download's checksums; without {@code mvn} on the PATH the error says what to run.
 */
final class LocalMavenRepository {
    /** The plugin that fetches, pinned so every fetch runs the same code. */
    static final String DEPENDENCY_GET = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:get";

    private final Path root;
    private final String mvn;

    /** The repository at {@code root}, fetching with the executable {@code mvn}. */
    LocalMavenRepository(Path root, String mvn) {
        this.root = root;
        this.mvn = mvn;
    }

    /** {@code -Dmaven.repo.local} if set, else {@code ~/.m2/repository}, as Maven's own default. */
    static LocalMavenRepository standard() {
        String configured = System.getProperty("maven.repo.local");
        return new LocalMavenRepository(configured != null && !configured.isBlank() ? Path.of(configured)
                : Path.of(System.getProperty("user.home"), ".m2", "repository"), mavenExecutable());
    }

    /** The jar of {@code coordinates} (groupId:artifactId:version) in this repository, if it is there. */
    Optional<Path> find(String coordinates) {
        Path jar = jarOf(coordinates);
        return Files.isRegularFile(jar) ? Optional.of(jar) : Optional.empty();
    }

    /** Where Maven keeps the jar of {@code coordinates}: group/path/artifact/version/artifact-version.jar. */
    Path jarOf(String coordinates) {
        String[] parts = coordinates.split(":");
        if (parts.length != 3) {
            throw new IllegalArgumentException("not groupId:artifactId:version: " + coordinates);
        }
        Path dir = root;
        for (String segment : parts[0].split("\\.")) {
            dir = dir.resolve(segment);
        }
        return dir.resolve(parts[1]).resolve(parts[2]).resolve(parts[1] + "-" + parts[2] + ".jar");
    }

    /** The command that puts {@code coordinates} into this repository. */
    List<String> fetchCommand(String coordinates) {
        return List.of(mvn, "-B", "-q", "--strict-checksums", "-Dmaven.repo.local=" + root,
                DEPENDENCY_GET, "-Dartifact=" + coordinates, "-Dtransitive=false");
    }

    /**
     * Runs {@link #fetchCommand} and returns the jar.
     *
     * @throws NncjException one line: mvn missing (with the command to run elsewhere), or mvn's own
     *     last error line
     */
    Path fetch(String coordinates, ProgressListener progress) {
        List<String> command = fetchCommand(coordinates);
        Path log = null;
        progress.start("fetching " + coordinates + " with Maven", -1);
        try {
            Files.createDirectories(root);
            log = Files.createTempFile("nncj-mvn-", ".log");
            // in the repository folder: a pom.xml in the user's folder would be read by mvn
            Process mvn = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            int exit = mvn.waitFor();
            Optional<Path> jar = find(coordinates);
            if (exit != 0 || jar.isEmpty()) {
                throw new NncjException("Maven could not fetch " + coordinates + " (exit " + exit + "): "
                        + firstErrorLine(log) + "; the command was: " + String.join(" ", command));
            }
            return jar.get();
        } catch (IOException e) {
            throw new NncjException(coordinates + " is not in the local Maven repository " + root
                    + " and Maven cannot be run to fetch it (" + e.getMessage() + "): install Maven (mvn on the PATH),"
                    + " or fetch it elsewhere with `mvn dependency:get -Dartifact=" + coordinates + "` and copy the jar to "
                    + jarOf(coordinates), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NncjException("interrupted while Maven fetched " + coordinates, e);
        } finally {
            progress.finish();
            deleteQuietly(log);
        }
    }

    private static String mavenExecutable() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows") ? "mvn.cmd" : "mvn";
    }

    /** mvn -q prints only errors; the first "[ERROR]" line says why (no network, artifact not found). */
    private static String firstErrorLine(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        String last = "no output";
        for (String line : lines) {
            String text = line.replace("[ERROR]", "").strip();
            if (line.contains("[ERROR]") && !text.isEmpty()) {
                return text;
            }
            if (!text.isEmpty()) {
                last = text;
            }
        }
        return last;
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // a log in the temp folder: nothing to do about it
            }
        }
    }
}
