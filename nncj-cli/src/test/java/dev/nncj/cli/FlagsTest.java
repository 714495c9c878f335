package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nncj.OptionName;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine;
import org.junit.jupiter.api.Test;

class FlagsTest {
    private static final Pattern NAMED = Pattern.compile("OptionName\\.of\\(\"(\\w+)\"\\)");

    @Test
    void libraryNamesBecomeTheirFlags() {
        assertThat(Flags.of(OptionName.of("embeddingBits"))).isEqualTo("--embedding-bits");
        assertThat(Flags.of(OptionName.of("groups"))).isEqualTo("--groups");
        assertThat(Flags.of(OptionName.of("overwriteInput"))).isEqualTo("--force");
        assertThat(Flags.of(OptionName.of("scoreLearningRate"))).isEqualTo("--score-lr");
    }

    /** Every option the library names in a message is a flag some command has: a renamed option fails here. */
    @Test
    void everyOptionTheLibraryNamesIsAFlagOfSomeCommand() throws IOException {
        Set<String> flags = new TreeSet<>();
        collect(new CommandLine(new Nncj()), flags);
        Set<String> named = new TreeSet<>();
        for (String module : new String[] {"nncj-core", "nncj-train"}) {
            try (Stream<Path> files = Files.walk(Path.of("..", module, "src", "main", "java"))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    Matcher m = NAMED.matcher(Files.readString(f));
                    while (m.find()) {
                        named.add(m.group(1));
                    }
                }
            }
        }
        assertThat(named).as("library option names found").contains("embeddingBits", "groups", "keepLayers", "remaining");
        for (String name : named) {
            assertThat(flags).as(name).contains(Flags.of(OptionName.of(name)));
        }
    }

    private static void collect(CommandLine command, Set<String> flags) {
        command.getCommandSpec().options().forEach(o -> flags.addAll(java.util.List.of(o.names())));
        command.getSubcommands().values().forEach(c -> collect(c, flags));
    }
}
