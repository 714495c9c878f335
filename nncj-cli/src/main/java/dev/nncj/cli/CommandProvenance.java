package dev.nncj.cli;

import dev.nncj.provenance.RecordedOptions;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The options of a command's provenance step, derived from the command's own parsed options, so no
 * command lists them twice: each option that shapes the model, under its flag in snake case
 * ({@code --embedding-bits} is {@code embedding_bits}), with the value given or defaulted. Left out
 * are the output, help, and the options that only shape the report ({@link ReportOptions},
 * {@link QuietOption}); options without a value are left out too.
 */
final class CommandProvenance {
    private CommandProvenance() {}

    static Map<String, Object> options(CommandSpec command) {
        Set<String> reportOnly = new HashSet<>(List.of("--output"));
        command.mixins().values().stream()
                .filter(m -> m.userObject() instanceof ReportOptions || m.userObject() instanceof QuietOption)
                .forEach(m -> m.options().forEach(o -> reportOnly.add(o.longestName())));
        Map<String, Object> recorded = new LinkedHashMap<>();
        for (OptionSpec o : command.options()) {
            if (o.usageHelp() || o.versionHelp() || reportOnly.contains(o.longestName())) {
                continue;
            }
            Object value = value(o);
            if (value != null) {
                recorded.put(o.longestName().replaceFirst("^-+", "").replace('-', '_'), value);
            }
        }
        return recorded;
    }

    /** A choice as the user spells it (what repeats the run), anything else in its recorded form. */
    private static Object value(OptionSpec o) {
        Object v = o.getValue();
        if (v instanceof Enum<?>) {
            List<String> typed = o.originalStringValues();
            return typed.isEmpty() ? o.defaultValue() : typed.get(typed.size() - 1);
        }
        return RecordedOptions.value(v);
    }
}
