package dev.nncj;

import java.util.Arrays;
import java.util.Optional;

/**
 * A user error in an option's value (a rank ratio of 1.5, 4 groups for a 6-layer encoder): one
 * line naming the option by its library name ({@link OptionName}), like every {@link NncjException},
 * and a usage error for the CLI (exit 2), which writes the option as its flag.
 */
public class OptionException extends NncjException {
    private static final long serialVersionUID = 1L;

    public OptionException(String message) {
        super(message);
    }

    /** A message of text and {@link OptionName}s: {@code (OptionName.of("groups"), " must be at least 1, got 0")}. */
    public OptionException(Object... parts) {
        super(Arrays.asList(parts), null);
    }

    /** The option at fault: the first one the message names. */
    public Optional<OptionName> option() {
        return options().stream().findFirst();
    }
}
