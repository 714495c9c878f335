package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The module and package boundaries docs/ARCHITECTURE.md promises, checked on the main sources of
 * every module (this module's tests run from nncj-cli/, beside the others).
 */
class LayeringTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void onlyTheQuantizersAndTheCommandLineImportQuantize() {
        assertThat(offending(source -> !source.toString().contains("/dev/nncj/quantize/") && !module(source).equals("nncj-cli"),
                Pattern.compile("^import (static )?dev\\.nncj\\.quantize\\.", Pattern.MULTILINE)))
                .as("main sources outside quantize/ and nncj-cli importing dev.nncj.quantize").isEmpty();
    }

    @Test
    void theLibrariesSpeakNoCommandLineVocabulary() {
        assertThat(offending(source -> List.of("nncj-core", "nncj-train", "nncj-search", "nncj-spark").contains(module(source)),
                Pattern.compile("\"--[a-z]"))).as("a --flag in a library").isEmpty();
    }

    @Test
    void theCoreImportsNoTrainingEngineAndNoOtherModule() {
        assertThat(offending(source -> module(source).equals("nncj-core"),
                Pattern.compile("^import (static )?(ai\\.djl\\.(?!huggingface)|dev\\.nncj\\.(train|cli|search|zoo))\\.", Pattern.MULTILINE)))
                .as("nncj-core importing the training engine (the Hugging Face tokenizer is allowed) or another module").isEmpty();
    }

    @Test
    void onlyTheObserverOpensOnnxRuntimeOverCalibrationData() {
        Pattern opensOverCalibration = Pattern.compile("(?s)(?=.*CalibrationData)(?=.*(OrtSessions\\.open|createSession|new TextModelSession))");
        assertThat(offending(source -> module(source).equals("nncj-core"), opensOverCalibration))
                .extracting(p -> p.getFileName().toString()).containsExactly("ActivationObserver.java");
    }

    private static String module(Path source) {
        return ROOT.relativize(source).getName(0).toString();
    }

    private static List<Path> offending(Predicate<Path> scope, Pattern pattern) {
        try (Stream<Path> modules = Files.list(ROOT)) {
            List<Path> sources = modules.map(m -> m.resolve("src/main/java")).filter(Files::isDirectory)
                    .flatMap(LayeringTest::javaFiles).filter(scope).toList();
            assertThat(sources).as("main sources under " + ROOT).hasSizeGreaterThan(100);
            return sources.stream().filter(s -> pattern.matcher(read(s)).find()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Stream<Path> javaFiles(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(p -> p.toString().endsWith(".java")).toList().stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
