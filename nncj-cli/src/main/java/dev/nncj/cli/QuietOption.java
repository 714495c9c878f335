package dev.nncj.cli;

import dev.nncj.ProgressListener;
import picocli.CommandLine.Option;

/** {@code --quiet}: no progress bars (they go to stderr; stdout is unaffected either way). */
final class QuietOption {
    @Option(names = {"-q", "--quiet"}, description = "no progress bars")
    boolean quiet;

    ProgressListener progress() {
        return ConsoleProgress.create(quiet);
    }
}
