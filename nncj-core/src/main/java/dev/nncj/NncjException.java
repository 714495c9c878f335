package dev.nncj;

import java.nio.file.Path;

/**
 * A failure the user can cause and fix: a missing or malformed file, a bad option, data that does not
 * fit the model. Its message is one line, already naming the file or option at fault, so the CLI
 * prints it as is and exits non-zero; library callers can show it to their users the same way.
 */
public class NncjException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NncjException(String message) {
        super(message);
    }

    public NncjException(String message, Throwable cause) {
        super(message, cause);
    }

    /** "FILE: problem", the form every file-related error takes. */
    public static NncjException inFile(Path file, String problem) {
        return new NncjException(file + ": " + problem);
    }

    public static NncjException inFile(Path file, String problem, Throwable cause) {
        return new NncjException(file + ": " + problem, cause);
    }

    /**
     * {@code text} taken from an input file (a tensor name, a location) made safe for the one line the
     * user reads: control characters are escaped, so a file can neither break the line nor send the
     * terminal escape sequences.
     */
    public static String printable(String text) {
        StringBuilder b = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            if (Character.isISOControl(c)) {
                b.append(String.format("\\u%04x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return b.toString();
    }

    /** "FILE:LINE: problem", for a data row that does not parse. */
    public static NncjException atLine(Path file, long line, String problem) {
        return new NncjException(file + ":" + line + ": " + problem);
    }
}
