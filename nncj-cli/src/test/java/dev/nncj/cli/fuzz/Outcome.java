package dev.nncj.cli.fuzz;

/**
 * What a case ended in. Failures come first, most severe first: a case failing several checks is
 * counted under the first of them, and lists the others.
 */
enum Outcome {
    CRASH("the child JVM died during the case (signal, abort, hs_err)"),
    TIMEOUT("still running at the time limit, killed"),
    MEMORY("resident memory over the limit, killed"),
    OUT_OF_MEMORY("OutOfMemoryError (heap bounded by -Xmx)"),
    UNCAUGHT("a Throwable escaped Nncj.execute"),
    LEAK("the marker of a file outside the model's folder appears in stdout, stderr or a written file"),
    INPUT_CHANGED("an input, or a file a link points to, changed"),
    CONTROL_FAILED("a valid control input did not succeed (harness or baseline broken)"),
    ACCEPTED("exit 0 on an input that must be refused"),
    EXIT_CODE("exit code other than 0, 1 or 2"),
    BAD_OUTPUT("exit 0 but the output is missing or ONNX Runtime cannot load it"),
    OUTPUT_LEFT("refused, but the output (or the tokenizer beside it) is left"),
    TEMP_LEFT("a temp or stray file left (case folder, the child's java.io.tmpdir or working folder)"),
    INTERNAL_ERROR("'internal error' on stderr (an unexpected exception)"),
    STACK_TRACE("a stack trace or Java exception on stderr"),
    NOT_ONE_LINE("stderr is not exactly one line"),
    NO_PREFIX("the error line does not start with 'nncj: '"),
    FILE_NOT_NAMED("the error line does not name the input (or the external-data file at fault)"),
    PASS_REJECTED("pass: refused cleanly"),
    PASS_SUCCEEDED("pass: succeeded (allowed for this case), output valid");

    final String meaning;

    Outcome(String meaning) {
        this.meaning = meaning;
    }

    boolean passed() {
        return this == PASS_REJECTED || this == PASS_SUCCEEDED;
    }
}
