package dev.nncj.cli.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * What a generator needs to make one case: its random source (from the case's seed only, so a case
 * regenerates alone), its folder, a place outside that folder for files a model must not reach, and
 * the bookkeeping that turns the files into a {@link FuzzCase}.
 */
final class CaseContext {
    final SplittableRandom random;
    private final int index;
    private final String kind;
    private final long seed;
    private final Path dir;
    private final Path outside;
    private final Set<String> named = new HashSet<>();
    private final List<Path> watched = new ArrayList<>();
    private String marker;

    CaseContext(int index, String kind, long seed, Path casesRoot, Path outsideRoot) {
        this.index = index;
        this.kind = kind;
        this.seed = seed;
        this.random = new SplittableRandom(seed);
        String id = String.format("c%04d", index);
        this.dir = casesRoot.resolve(id);
        this.outside = outsideRoot.resolve(id);
        try {
            Files.createDirectories(dir.resolve("out"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The case folder: inputs only. */
    Path dir() {
        return dir;
    }

    /** Where commands write (created empty). */
    Path out() {
        return dir.resolve("out");
    }

    BaseModel base(BaseModel... choices) {
        return ProtoEdits.pick(random, choices.length == 0 ? BaseModel.values() : choices);
    }

    /** Writes {@code bytes} as dir/model.onnx with the base's tokenizer and data beside it. */
    Path writeModel(BaseModel base, byte[] bytes) {
        base.writeCompanions(dir);
        return write("model.onnx", bytes);
    }

    Path write(String name, byte[] bytes) {
        try {
            Path file = dir.resolve(name);
            Files.createDirectories(file.getParent());
            named.add(file.getFileName().toString());
            return Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A random command reading the base's model at {@code input}. */
    CliCommand command(BaseModel base, Path input) {
        return ProtoEdits.pick(random, base.commands(input, out()));
    }

    /** Another file name the error line may name instead of the input (the external-data file at fault). */
    void mayName(String fileName) {
        named.add(fileName);
    }

    /**
     * A file outside the case folder whose content is a marker that must never show up in nncj's
     * output: {@code bytes} bytes of "MRK" + 13 hex digits repeated (16-byte aligned, so any tensor of
     * 16 bytes or more read from offset 0 carries a whole marker).
     */
    Path secret(int bytes) {
        marker = String.format("MRK%013x", seed & 0xfffffffffffffL);
        StringBuilder text = new StringBuilder();
        while (text.length() < bytes) {
            text.append(marker);
        }
        try {
            Files.createDirectories(outside);
            Path file = Files.writeString(outside.resolve("secret.bin"), text, StandardCharsets.US_ASCII);
            watched.add(file);
            named.add(file.getFileName().toString());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path outsideDir() {
        return outside;
    }

    FuzzCase done(String description, Expectation expectation, CliCommand command) {
        return new FuzzCase(index, kind, seed, description, expectation, command, dir, named,
                Optional.ofNullable(marker), watched);
    }
}
