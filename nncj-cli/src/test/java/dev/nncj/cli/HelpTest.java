package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
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
}
