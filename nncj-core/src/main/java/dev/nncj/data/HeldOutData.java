package dev.nncj.data;

import dev.nncj.NncjException;
import dev.nncj.OptionException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The rule that keeps a reported figure a test figure: data used to select (the weights an early
 * stop keeps, the nodes a quantizer leaves in float, a threshold, a recipe) is never the data the
 * figure is reported on. Selection fits the noise of its data as well as the signal, so a figure
 * measured on the data that chose it is optimistic by an amount nobody can see.
 *
 * <p>Two files count as the same data, and are refused, when
 * <ul>
 *   <li>they are the same file (one real path: a link, a relative and an absolute name);</li>
 *   <li>their bytes are identical (a copy under another name);</li>
 *   <li>more than {@link #MAX_SHARED_FRACTION} of the test file's distinct lines also occur in the
 *       selection file (the selection data reordered, subsetted or lightly edited). Honest splits
 *       share few lines: SST-2's dev and test share none and its dev shares 1.1% of its lines with
 *       train (repeated short phrases); two 40-line synthetic sets of short sentences share about
 *       10% by chance. More than half is not a split.</li>
 * </ul>
 * Lines are compared with trailing white space removed; blank lines, and a first line both files
 * start with (a shared header), are not counted. Binary files (IDX images, gzip) are compared by
 * path and bytes only: their "lines" mean nothing.
 *
 * <p>A user error in what was passed where: an {@link OptionException} naming both files and the
 * part each plays. Files that do not exist are left to the code that reads them.
 */
public final class HeldOutData {
    /** The share of a test file's lines that may also occur in the selection file. */
    public static final double MAX_SHARED_FRACTION = 0.5;

    /** Bytes looked at to tell a binary file (a NUL among them) from text. */
    private static final int SNIFF_BYTES = 8192;

    private HeldOutData() {}

    /**
     * A file and the part it plays, as the caller names it: the library says "selection data" or
     * "test data", a front end adds the option it came from ("selection data, eval").
     */
    public record Role(String part, Path file) {
        public static Role selection(Path file) {
            return new Role("selection data", file);
        }

        public static Role test(Path file) {
            return new Role("test data", file);
        }

        /** The same part, saying which option named the file. */
        public Role from(String option) {
            return new Role(part + ", " + option, file);
        }

        String describe() {
            return file + " (" + part + ")";
        }
    }

    /** Refuses {@code test} when it is {@code selection}'s data by any of the three tests above. */
    public static void refuseShared(Role selection, Role test) {
        Path a = selection.file();
        Path b = test.file();
        if (!Files.isRegularFile(a) || !Files.isRegularFile(b)) {
            return;
        }
        try {
            if (Files.isSameFile(a, b)) {
                throw refused(selection, test, "are the same file");
            }
            if (Files.size(a) == Files.size(b) && Files.mismatch(a, b) == -1) {
                throw refused(selection, test, "have identical content");
            }
            if (binary(a) || binary(b)) {
                return;
            }
            Shared shared = shared(lines(a), lines(b));
            if (shared.count() > MAX_SHARED_FRACTION * shared.of()) {
                throw refused(selection, test, String.format(Locale.ROOT,
                        "share %d of the test file's %d distinct lines (more than %.0f%%)", shared.count(), shared.of(),
                        100 * MAX_SHARED_FRACTION));
            }
        } catch (IOException e) {
            throw NncjException.inFile(b, "cannot compare with " + a + ": " + e.getMessage(), e);
        }
    }

    /** How many of the test file's distinct lines the selection file also has, and of how many. */
    record Shared(int count, int of) {}

    static Shared shared(List<String> selection, List<String> test) {
        List<String> chosenOn = selection.stream().map(String::stripTrailing).toList();
        List<String> reported = test.stream().map(String::stripTrailing).toList();
        boolean sharedHeader = !chosenOn.isEmpty() && !reported.isEmpty() && chosenOn.get(0).equals(reported.get(0));
        int skip = sharedHeader ? 1 : 0;
        Set<String> selected = new HashSet<>(chosenOn.subList(skip, chosenOn.size()));
        Set<String> distinct = new LinkedHashSet<>(reported.subList(skip, reported.size()));
        distinct.remove("");
        int count = (int) distinct.stream().filter(selected::contains).count();
        return new Shared(count, distinct.size());
    }

    /** Lines as text, leniently decoded: a stray byte that is not UTF-8 must not make two files differ more. */
    private static List<String> lines(Path file) throws IOException {
        return new String(Files.readAllBytes(file), StandardCharsets.UTF_8).lines().toList();
    }

    private static boolean binary(Path file) throws IOException {
        byte[] head = new byte[SNIFF_BYTES];
        int n;
        try (var in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        }
        for (int i = 0; i < n; i++) {
            if (head[i] == 0) {
                return true;
            }
        }
        return false;
    }

    private static OptionException refused(Role selection, Role test, String how) {
        return new OptionException(selection.describe() + " and " + test.describe() + " " + how
                + ": a figure reported on the data that selected it is not a test figure; keep the two apart");
    }
}
