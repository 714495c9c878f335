package dev.nncj.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OrtNativeLibrariesTest {
    @TempDir
    Path dir;

    /**
     * ORT's own loader leaves an {@code onnxruntime-java*} folder in java.io.tmpdir per process. Two
     * processes start together on an empty cache, so they also race to write the same libraries.
     */
    @Test
    void processesUsingOrtLeaveNothingInTheirTmpdir() throws Exception {
        Path cache = dir.resolve("cache");
        List<Path> tmpdirs = new ArrayList<>();
        List<Process> children = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                Path tmp = Files.createDirectories(dir.resolve("tmp-" + i));
                Path work = Files.createDirectories(dir.resolve("work-" + i));
                tmpdirs.add(tmp);
                children.add(new ProcessBuilder(javaExecutable(), "-cp", System.getProperty("java.class.path"),
                        "-Djava.io.tmpdir=" + tmp, "-D" + OrtNativeLibraries.CACHE_PROPERTY + "=" + cache,
                        OrtSessionChild.class.getName(), work.toString())
                        .redirectErrorStream(true).start());
            }
            for (Process child : children) {
                String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(child.waitFor(120, TimeUnit.SECONDS)).as("the child ended").isTrue();
                assertThat(child.exitValue()).as(output).isZero();
                assertThat(output).contains("input_ids");
            }
        } finally {
            children.forEach(Process::destroyForcibly);
        }
        for (Path tmp : tmpdirs) {
            assertThat(entries(tmp)).as("left in " + tmp).isEmpty();
        }
        try (Stream<Path> folders = Files.list(cache)) {
            Path folder = folders.findFirst().orElseThrow();
            assertThat(folder.getFileName().toString()).startsWith("onnxruntime-1.");
            assertThat(entries(folder)).containsExactlyInAnyOrder(
                    System.mapLibraryName("onnxruntime"), System.mapLibraryName("onnxruntime4j_jni"));
        }
    }

    @Test
    void whereTheUserToldOrtToLoadFromIsLeftAlone() {
        assertThat(OrtNativeLibraries.userChoseLoading(new Properties())).isFalse();
        for (String property : List.of("onnxruntime.native.path", "onnxruntime.native.onnxruntime.path",
                "onnxruntime.native.onnxruntime4j_jni.path", "onnxruntime.native.onnxruntime4j_jni.skip")) {
            Properties properties = new Properties();
            properties.setProperty(property, "/opt/ort/lib");
            assertThat(OrtNativeLibraries.userChoseLoading(properties)).as(property).isTrue();
        }
    }

    @Test
    void theCacheIsTheNncjPropertyElseXdgElseTheHomeFolder() {
        Map<String, String> props = Map.of("user.home", "/home/u");
        assertThat(OrtNativeLibraries.cacheRoot(props::get, Map.<String, String>of()::get))
                .isEqualTo(Path.of("/home/u/.cache/nncj"));
        assertThat(OrtNativeLibraries.cacheRoot(props::get, Map.of("XDG_CACHE_HOME", "/var/cache/u")::get))
                .isEqualTo(Path.of("/var/cache/u/nncj"));
        assertThat(OrtNativeLibraries.cacheRoot(props::get, Map.of("XDG_CACHE_HOME", "relative")::get))
                .as("the XDG spec ignores a relative path").isEqualTo(Path.of("/home/u/.cache/nncj"));
        Map<String, String> configured = Map.of("user.home", "/home/u", "nncj.cache", "/data/nncj-cache");
        assertThat(OrtNativeLibraries.cacheRoot(configured::get, Map.of("XDG_CACHE_HOME", "/var/cache/u")::get))
                .isEqualTo(Path.of("/data/nncj-cache"));
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
