package dev.nncj;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TempFilesTest {
    @TempDir
    Path dir;

    @Test
    void deletingForgetsAndRemovesAFolderWithWhatItHolds() throws IOException {
        Path folder = TempFiles.createDirectory(dir, "work-");
        Files.writeString(Files.createDirectories(folder.resolve("a/b")).resolve("c.txt"), "x");
        Path file = TempFiles.createFile(dir, ".partial-", ".tmp");
        assertThat(TempFiles.live()).contains(folder, file);
        TempFiles.delete(folder);
        TempFiles.delete(file);
        assertThat(TempFiles.live()).doesNotContain(folder, file);
        assertThat(entries(dir)).isEmpty();
    }

    @Test
    void aHandleDeletesOnCloseAndKeepLeavesTheFile() throws IOException {
        Path kept;
        try (TempFiles.Temp temp = TempFiles.directory(dir, "scope-")) {
            Files.writeString(temp.path().resolve("f"), "x");
            kept = TempFiles.createFile(dir, "kept-", ".bin");
            TempFiles.keep(kept); // e.g. renamed into place, or a checkpoint worth resuming from
        }
        assertThat(entries(dir)).containsExactly(kept.getFileName().toString());
        assertThat(TempFiles.live()).doesNotContain(kept);
    }

    /**
     * SIGTERM (what Process.destroy() sends on Linux, and what `kill` and service managers send) runs
     * the shutdown hook: a run stopped mid-way leaves neither its partial file nor its temp folder.
     */
    @Test
    void sigtermDeletesWhatTheRunLeftRegistered() throws Exception {
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        Path out = Files.createDirectories(dir.resolve("out"));
        Process child = new ProcessBuilder(javaExecutable(), "-cp", System.getProperty("java.class.path"),
                "-Djava.io.tmpdir=" + tmp, TempFilesChild.class.getName(), out.toString())
                .redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                lines.add(line);
                if (line.equals(TempFilesChild.READY)) {
                    break;
                }
            }
            assertThat(lines).as("the child's output").endsWith(TempFilesChild.READY);
            assertThat(entries(out)).hasSize(1); // the partial output exists while the run goes on
            assertThat(entries(tmp)).hasSize(1); // and so does its temp folder
            child.destroy();
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("the child ended").isTrue();
        } finally {
            child.destroyForcibly();
        }
        assertThat(child.exitValue()).isEqualTo(143); // 128 + SIGTERM: the signal ended it, not a normal exit
        assertThat(entries(out)).isEmpty();
        assertThat(entries(tmp)).isEmpty();
    }

    private static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static List<String> entries(Path folder) throws IOException {
        try (Stream<Path> list = Files.list(folder)) {
            return list.map(p -> p.getFileName().toString()).toList();
        }
    }
}
