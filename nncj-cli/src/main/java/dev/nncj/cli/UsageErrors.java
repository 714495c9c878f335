package dev.nncj.cli;

import dev.nncj.NncjException;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Option values the library refuses (a rank ratio of 1.5, 4 groups for 6 layers) are usage errors:
 * one line and exit 2, without the usage text picocli would print under it and bury the line.
 */
final class UsageErrors {
    private UsageErrors() {}

    /** Prints the refused option's line and returns the exit code. */
    static int report(CommandSpec spec, NncjException refused) {
        spec.commandLine().getErr().println("nncj: " + refused.getMessage());
        return Nncj.EXIT_USAGE;
    }
}
