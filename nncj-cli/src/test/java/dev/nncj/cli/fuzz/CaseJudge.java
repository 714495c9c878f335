package dev.nncj.cli.fuzz;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The checks of one case: exit code against the case's expectation; one "nncj: " line naming the
 * file, without internal error or stack trace; inputs (and link targets) unchanged; no output,
 * temp or stray file after a refusal, only the output and its tokenizer after a success; the
 * output loads in ONNX Runtime; the outside marker nowhere.
 */
final class CaseJudge {
    private CaseJudge() {}

    /**
     * @param before       the case folder right after generation
     * @param watchedBefore descriptions ({@link FolderSnapshot#describe}) of the case's watched files before the run
     */
    static CaseResult judge(FuzzCase c, RunRecord run, FolderSnapshot before, Map<Path, String> watchedBefore,
                            String stdout, String stderr) {
        Set<Outcome> failures = EnumSet.noneOf(Outcome.class);
        List<String> notes = new ArrayList<>();
        switch (run.ending()) {
            case TIMEOUT -> failures.add(Outcome.TIMEOUT);
            case CRASH -> failures.add(Outcome.CRASH);
            case MEMORY -> failures.add(Outcome.MEMORY);
            default -> { }
        }
        if (run.detail() != null && !run.detail().isEmpty()) {
            notes.add(run.detail());
        }
        if (run.thrown() != null) {
            failures.add(run.thrown().endsWith("OutOfMemoryError") ? Outcome.OUT_OF_MEMORY : Outcome.UNCAUGHT);
            notes.add("threw " + run.thrown());
        }
        if (stderr.contains("OutOfMemoryError")) {
            failures.add(Outcome.OUT_OF_MEMORY);
        }
        String errorLine = firstLine(stderr);
        if (run.ending() == RunRecord.Ending.END && run.thrown() == null) {
            exitCode(c, run, failures, notes);
            if (run.exitCode() != 0) {
                errorLine(c, stderr, failures);
            }
        }
        if (stderr.contains("internal error")) {
            failures.add(Outcome.INTERNAL_ERROR);
        }
        if (stderr.lines().anyMatch(l -> l.startsWith("\tat ") || l.startsWith("Caused by: ")
                || (l.contains("Exception") && !l.contains("internal error")))) {
            failures.add(Outcome.STACK_TRACE);
        }
        files(c, run, before, watchedBefore, failures, notes);
        if (c.marker().isPresent()) {
            marker(c, stdout, stderr, failures, notes);
        }
        if (!run.stray().isEmpty()) {
            failures.add(Outcome.TEMP_LEFT);
            notes.add("stray: " + String.join(", ", run.stray()));
        }
        return new CaseResult(c, run, failures, errorLine, notes);
    }

    private static void exitCode(FuzzCase c, RunRecord run, Set<Outcome> failures, List<String> notes) {
        int rc = run.exitCode();
        if (c.expectation() == Expectation.SUCCEED && rc != 0) {
            failures.add(Outcome.CONTROL_FAILED);
        }
        if (rc == 0 && c.expectation() == Expectation.REJECT) {
            failures.add(Outcome.ACCEPTED);
        }
        if (rc != 0 && rc != 1 && rc != 2) {
            failures.add(Outcome.EXIT_CODE);
            notes.add("exit " + rc);
        }
        if (rc == 0 && c.command().output().isPresent() && !"valid".equals(run.outputCheck())) {
            failures.add(Outcome.BAD_OUTPUT);
            notes.add("output " + run.outputCheck());
        }
    }

    private static void errorLine(FuzzCase c, String stderr, Set<Outcome> failures) {
        List<String> lines = stderr.lines().filter(l -> !l.isBlank()).toList();
        if (lines.size() != 1) {
            failures.add(Outcome.NOT_ONE_LINE);
        }
        if (lines.isEmpty()) {
            return;
        }
        String line = lines.get(0);
        if (!line.startsWith("nncj: ")) {
            failures.add(Outcome.NO_PREFIX);
        }
        if (c.namedFiles().stream().noneMatch(name -> names(line, name))) {
            failures.add(Outcome.FILE_NOT_NAMED);
        }
    }

    /** Whether {@code line} names {@code file} as a whole path component ("out" is not named by "out.onnx"). */
    static boolean names(String line, String file) {
        return Pattern.compile("(^|[\\s/'\"(\\[=])" + Pattern.quote(file) + "($|[\\s:'\",)\\]])").matcher(line).find();
    }

    private static void files(FuzzCase c, RunRecord run, FolderSnapshot before, Map<Path, String> watchedBefore,
                              Set<Outcome> failures, List<String> notes) {
        FolderSnapshot after = FolderSnapshot.of(c.dir());
        for (Map.Entry<String, String> e : before.entries().entrySet()) {
            if (!e.getValue().equals(after.entries().get(e.getKey()))) {
                failures.add(Outcome.INPUT_CHANGED);
                notes.add("changed: " + e.getKey());
            }
        }
        for (Map.Entry<Path, String> e : watchedBefore.entrySet()) {
            if (!e.getValue().equals(FolderSnapshot.describe(e.getKey()))) {
                failures.add(Outcome.INPUT_CHANGED);
                notes.add("changed outside: " + e.getKey());
            }
        }
        Set<String> outputs = outputNames(c);
        boolean succeeded = run.ending() == RunRecord.Ending.END && run.exitCode() == 0;
        for (String name : after.entries().keySet()) {
            if (before.entries().containsKey(name)) {
                continue;
            }
            if (succeeded && outputs.contains(name)) {
                continue;
            }
            boolean output = outputs.contains(name);
            failures.add(output ? Outcome.OUTPUT_LEFT : Outcome.TEMP_LEFT);
            notes.add((output ? "left: " : "stray: ") + name + sizeOf(c.dir().resolve(name)));
        }
    }

    /** Paths (relative to the case folder) a successful command may create: its output, .data beside it, the tokenizer. */
    private static Set<String> outputNames(FuzzCase c) {
        return c.command().output().map(o -> {
            Path rel = c.dir().relativize(o);
            return Set.of(rel.toString(), rel + ".data", rel.resolveSibling("tokenizer.json").toString());
        }).orElse(Set.of());
    }

    private static String sizeOf(Path p) {
        try {
            return Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? " (" + Files.size(p) + " bytes)" : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static void marker(FuzzCase c, String stdout, String stderr, Set<Outcome> failures, List<String> notes) {
        String marker = c.marker().orElseThrow();
        if (stdout.contains(marker) || stderr.contains(marker)) {
            failures.add(Outcome.LEAK);
            notes.add("marker printed");
        }
        for (String name : FolderSnapshot.of(c.dir()).entries().keySet()) {
            Path p = c.dir().resolve(name);
            if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && !p.getFileName().toString().equals("model.onnx")
                    && contains(p, marker.getBytes(StandardCharsets.US_ASCII))) {
                failures.add(Outcome.LEAK);
                notes.add("marker in " + name);
            }
        }
    }

    /** A streaming search: outputs of bombs can be large. */
    static boolean contains(Path file, byte[] needle) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[(1 << 20) + needle.length];
            int keep = 0;
            int n;
            while ((n = in.read(buf, keep, buf.length - keep)) > 0) {
                int len = keep + n;
                for (int i = 0; i + needle.length <= len; i++) {
                    if (buf[i] == needle[0] && Arrays.equals(buf, i, i + needle.length, needle, 0, needle.length)) {
                        return true;
                    }
                }
                keep = Math.min(needle.length - 1, len);
                System.arraycopy(buf, len - keep, buf, 0, keep);
            }
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    private static String firstLine(String s) {
        return s.lines().filter(l -> !l.isBlank()).findFirst().orElse("");
    }
}
