package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nncj.NncjVersion;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * Help is printed cleanly: picocli formats descriptions with String.format, so a lone % in one
 * ("95% confidence") made it warn on stderr with every `nncj --help`. picocli writes that warning to
 * System.err, not to the command line's error writer, so the test watches both.
 */
class HelpTest {
    /** "nncj" and every subcommand, nested ones too ("zoo get"), from picocli's own model. */
    static Stream<String> commands() {
        List<String> all = new ArrayList<>();
        collect(new CommandLine(new Nncj()), "", all);
        return all.stream();
    }

    private static void collect(CommandLine command, String prefix, List<String> all) {
        all.add(prefix.strip());
        command.getSubcommands().forEach((name, sub) -> {
            if (!name.equals("help")) {
                collect(sub, prefix + " " + name, all);
            }
        });
    }

    @ParameterizedTest(name = "nncj {0} --help")
    @MethodSource("commands")
    void helpWritesUsageAndNothingToStderr(String command) {
        List<String> args = new ArrayList<>(command.isEmpty() ? List.of() : List.of(command.split(" ")));
        args.add("--help");
        ByteArrayOutputStream processErr = new ByteArrayOutputStream();
        PrintStream original = System.err;
        CliRun run;
        System.setErr(new PrintStream(processErr, true, StandardCharsets.UTF_8));
        try {
            run = CliRun.of(args.toArray());
        } finally {
            System.setErr(original);
        }
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).startsWith("Usage: nncj");
        assertThat(run.err()).isEmpty();
        assertThat(processErr.toString(StandardCharsets.UTF_8)).isEmpty(); // picocli warns on System.err itself
    }

    /**
     * `nncj --help` (and `nncj zoo --help`) list every command with a summary that is one full
     * sentence on one line: the first line of its description, which picocli shows in the list.
     */
    @ParameterizedTest(name = "{0} has a one-line summary sentence")
    @MethodSource("commands")
    void everyCommandIsListedWithAOneLineSentence(String command) {
        if (command.isEmpty()) {
            return; // nncj itself is listed by nobody
        }
        int space = command.lastIndexOf(' ');
        String parent = space < 0 ? "" : command.substring(0, space);
        String name = command.substring(space + 1);
        CommandLine sub = new CommandLine(new Nncj());
        for (String part : command.split(" ")) {
            sub = sub.getSubcommands().get(part);
        }
        String[] description = sub.getCommandSpec().usageMessage().description();
        assertThat(description).as("description of %s", command).isNotEmpty();
        String summary = description[0];
        assertThat(summary).as("summary of %s", command).matches("[A-Z][^\\n]*[a-z0-9)]\\.");

        List<String> args = new ArrayList<>(parent.isEmpty() ? List.of() : List.of(parent.split(" ")));
        args.add("--help");
        String listing = CliRun.of(args.toArray()).out();
        // the whole sentence on the command's own line: picocli wraps a long one onto the next
        assertThat(listing).containsPattern(Pattern.compile("(?m)^  " + Pattern.quote(name) + " +"
                + Pattern.quote(summary.replace("%%", "%")) + "$"));
    }

    @Test
    void versionIsTheBuildsNotDev() {
        CliRun run = CliRun.of("--version");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).startsWith("nncj " + NncjVersion.current() + " (Java ").doesNotContain("dev");
    }
}
