package dev.nncj.cli;

import dev.nncj.provenance.Provenance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Comparator;
import java.util.Set;
import java.util.stream.Collectors;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * What a checkpoint folder identifies its run by: SHA-256 over the command's name and the value of
 * every option and parameter, given or defaulted, a file by its content (a model or data file
 * changed under the same name is another run). Left out are the options that do not change the
 * weights: where the result goes, --resume itself, and how it is reported.
 */
final class RunFingerprint {
    private static final Set<String> IGNORED = Set.of("--output", "--resume", "--quiet", "--json", "--force", "--help",
            "--version");

    private RunFingerprint() {}

    static String of(CommandSpec command) {
        StringBuilder text = new StringBuilder(command.qualifiedName()).append('\n');
        command.options().stream().filter(o -> !IGNORED.contains(o.longestName()))
                .sorted(Comparator.comparing(OptionSpec::longestName))
                .forEach(o -> text.append(o.longestName()).append('=').append(describe(o)).append('\n'));
        command.positionalParameters().forEach(p -> text.append(p.paramLabel()).append('=').append(describe(p)).append('\n'));
        return Provenance.sha256Text(text.toString());
    }

    private static String describe(ArgSpec arg) {
        return describe((Object) arg.getValue());
    }

    private static String describe(Object value) {
        if (value instanceof Path path) {
            return Files.isRegularFile(path) ? "sha256:" + Provenance.sha256(path) : path.toAbsolutePath().normalize().toString();
        }
        if (value instanceof Collection<?> values) {
            return values.stream().map(RunFingerprint::describe).collect(Collectors.joining(",", "[", "]"));
        }
        return String.valueOf(value);
    }
}
