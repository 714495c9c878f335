package dev.nncj.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.opentest4j.TestAbortedException;

/**
 * Datasets some tests read from outside the repository (Debian's dataset packages). .ci/run
 * installs them and sets {@code NNCJ_REQUIRE_DATASETS=1}: there a missing file fails the test with
 * what to install, so CI cannot pass by skipping. Elsewhere (a developer's machine without the
 * package) the test is skipped as an assumption whose reason names the missing file, and the skip
 * is printed, not silent.
 */
public final class RequiredDatasets {
    /** Debian's dataset-fashion-mnist: the four gzipped IDX files. */
    public static final Path FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");
    static final String VARIABLE = "NNCJ_REQUIRE_DATASETS";

    private RequiredDatasets() {}

    /** Returns when every file exists; otherwise fails (CI) or skips with the reason (elsewhere). */
    public static void require(String debianPackage, Path... files) {
        String flag = System.getenv(VARIABLE);
        try {
            check(flag != null && !flag.isEmpty() && !flag.equals("0"), debianPackage, files);
        } catch (TestAbortedException e) {
            System.err.println("SKIPPED: " + e.getMessage()); // surefire's summary only counts skips
            throw e;
        }
    }

    static void check(boolean required, String debianPackage, Path... files) {
        List<Path> missing = Arrays.stream(files).filter(f -> !Files.exists(f)).toList();
        if (missing.isEmpty()) {
            return;
        }
        String what = missing.get(0) + " is missing (install the Debian package " + debianPackage + ")";
        if (required) {
            Assertions.fail(VARIABLE + " is set but " + what);
        }
        Assumptions.abort(what + "; set " + VARIABLE + "=1 to make this a failure");
    }
}
