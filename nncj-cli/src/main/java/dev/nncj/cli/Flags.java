package dev.nncj.cli;

import dev.nncj.Choices;
import dev.nncj.NncjException;
import dev.nncj.OptionException;
import dev.nncj.OptionName;
import java.util.Locale;
import java.util.Map;

/**
 * The one place where the library's option names become this CLI's flags. The library names an
 * option by its options-record component ({@code embeddingBits}); the flag is that name in
 * kebab case ({@code --embedding-bits}) unless the table below says otherwise. Every message the
 * user reads goes through {@link #message}, so library errors show the flags the user typed.
 */
final class Flags {
    /** Library names whose flag is not their kebab-case spelling. */
    private static final Map<String, String> RENAMED = Map.of(
            "overwriteInput", "--force",
            "calibration", "--calibration-data",
            "scoreLearningRate", "--score-lr",
            "warmupFraction", "--sparsity-warmup",
            "cooldownFraction", "--sparsity-cooldown",
            "schedule", "--prune-schedule",
            "distillation", "--distill-weight");

    private Flags() {}

    /** The flag of a library option. */
    static String of(OptionName option) {
        String renamed = RENAMED.get(option.name());
        return renamed != null ? renamed : "--" + option.name().replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    /** The message of a library error, its options written as flags. */
    static String message(NncjException e) {
        return e.message(Flags::of);
    }

    /**
     * The constant of {@code type} that {@code text} spells, for the option the library calls
     * {@code option}; a usage error (exit 2) listing the spellings otherwise.
     */
    static <E extends Enum<E>> E choice(Class<E> type, String text, String option) {
        return Choices.parse(type, text, OptionName.of(option));
    }

    /**
     * The same error as a failure (exit 1) rather than a usage error: for the commands whose tests pin
     * exit 1 for a bad value, which predate the usage-error code.
     */
    static NncjException asFailure(OptionException e) {
        return new NncjException(message(e));
    }
}
