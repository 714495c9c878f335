package dev.nncj.cli.fuzz;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One fuzz case, self-describing: {@code kind} and {@code seed} regenerate it alone
 * ({@code -Dnncj.fuzz.only=kind:seed}), {@code description} says what was broken and how.
 *
 * @param dir        the case folder, holding only the inputs; the command writes into {@code dir/out}
 * @param namedFiles file names the error line may name (the input, or the external-data file at fault)
 * @param marker     text of a file outside {@code dir} that the case tries to make nncj read; it must
 *                   never appear in anything nncj prints or writes
 * @param watched    files outside {@code dir} whose bytes must not change either (symlink targets)
 */
record FuzzCase(int index, String kind, long seed, String description, Expectation expectation,
                CliCommand command, Path dir, Set<String> namedFiles, Optional<String> marker, List<Path> watched) {

    FuzzCase {
        namedFiles = Set.copyOf(namedFiles);
        watched = List.copyOf(watched);
    }

    String id() {
        return String.format("c%04d", index);
    }

    /** The system property value that runs this case alone. */
    String reproduce() {
        return kind + ":" + seed;
    }
}
