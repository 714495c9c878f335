package dev.nncj;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;

/**
 * A failure the user can cause and fix: a missing or malformed file, a bad option, data that does not
 * fit the model. Its message is one line, already naming the file or option at fault, so the CLI
 * prints it as is and exits non-zero; library callers can show it to their users the same way.
 *
 * <p>A message is a sequence of parts: text, and {@link OptionName}s for the options it speaks of.
 * {@link #getMessage()} writes each option by its library name ("embeddingBits must be 8 or 4");
 * {@link #message(Function)} lets a front end write them its own way (a command line writes its flags).
 */
public class NncjException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Text and {@link OptionName}s; transient because only the rendered message needs to survive serialization. */
    private final transient List<Object> parts;

    public NncjException(String message) {
        this(Arrays.asList(message), null);
    }

    public NncjException(String message, Throwable cause) {
        this(Arrays.asList(message), cause);
    }

    /** A message of text and {@link OptionName}s, e.g. {@code (OptionName.of("groups"), " must be at least 1")}. */
    public NncjException(Object... parts) {
        this(Arrays.asList(parts), null);
    }

    protected NncjException(List<Object> parts, Throwable cause) {
        super(render(parts, OptionName::name));
        if (cause != null) {
            initCause(cause); // without one, callers may still attach a cause later (initCause)
        }
        this.parts = Collections.unmodifiableList(new ArrayList<>(parts)); // parts may be null values
    }

    /** The message with every option written by {@code spelling} (a CLI maps library names to its flags). */
    public String message(Function<OptionName, String> spelling) {
        return parts == null ? getMessage() : render(parts, spelling);
    }

    /** The options this message names, in order. */
    public List<OptionName> options() {
        return parts == null ? List.of() : parts.stream().filter(OptionName.class::isInstance).map(OptionName.class::cast).toList();
    }

    /** "FILE: problem", the form every file-related error takes. */
    public static NncjException inFile(Path file, String problem) {
        return new NncjException(file + ": " + problem);
    }

    public static NncjException inFile(Path file, String problem, Throwable cause) {
        return new NncjException(file + ": " + problem, cause);
    }

    /** "FILE: problem" where the problem names options ({@link OptionName} parts). */
    public static NncjException inFile(Path file, Object... problem) {
        Object[] parts = new Object[problem.length + 1];
        parts[0] = file + ": ";
        System.arraycopy(problem, 0, parts, 1, problem.length);
        return new NncjException(parts);
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

    private static String render(List<Object> parts, Function<OptionName, String> spelling) {
        if (parts.size() == 1 && parts.get(0) == null) {
            return null; // a wrapped exception without a message stays without one
        }
        StringBuilder b = new StringBuilder();
        for (Object p : parts) {
            b.append(p instanceof OptionName o ? spelling.apply(o) : String.valueOf(p));
        }
        return b.toString();
    }
}
