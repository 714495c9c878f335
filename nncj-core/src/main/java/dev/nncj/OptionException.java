package dev.nncj;

/**
 * A user error in an option's value (a rank ratio of 1.5, 4 groups for a 6-layer encoder): one
 * line naming the option, like every {@link NncjException}, and a usage error for the CLI (exit 2).
 */
public class OptionException extends NncjException {
    private static final long serialVersionUID = 1L;

    public OptionException(String message) {
        super(message);
    }
}
