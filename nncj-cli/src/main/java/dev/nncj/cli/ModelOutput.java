package dev.nncj.cli;

import dev.nncj.NncjException;
import dev.nncj.OutputFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/** Puts the input's tokenizer.json beside a written model, so `nncj eval OUT` finds it by default. */
final class ModelOutput {
    private ModelOutput() {}

    static void copyTokenizer(Optional<Path> tokenizer, Path output) {
        if (tokenizer.isEmpty()) {
            return;
        }
        Path target = output.toAbsolutePath().resolveSibling("tokenizer.json");
        try {
            if (Files.exists(target) && Files.isSameFile(target, tokenizer.get())) {
                return;
            }
            Path tmp = OutputFiles.tempBeside(target);
            Files.copy(tokenizer.get(), tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw NncjException.inFile(target, "cannot write: " + e.getMessage(), e);
        }
    }
}
