package dev.nncj.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One CLI invocation in-process: exit code and what went to stdout and stderr. */
record CliRun(int exitCode, String out, String err) {
    static CliRun of(Object... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] argv = java.util.Arrays.stream(args).map(String::valueOf).toArray(String[]::new);
        int code = Nncj.execute(argv, new PrintWriter(out, true), new PrintWriter(err, true));
        return new CliRun(code, out.toString(), err.toString());
    }

    /** stderr as the user sees it: exactly one line. */
    String errorLine() {
        String trimmed = err.strip();
        if (trimmed.contains("\n")) {
            throw new AssertionError("expected one error line, got:\n" + err);
        }
        return trimmed;
    }
}
