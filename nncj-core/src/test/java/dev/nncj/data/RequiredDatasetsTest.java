package dev.nncj.data;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

class RequiredDatasetsTest {
    @TempDir
    Path dir;

    @Test
    void aMissingDatasetFailsWhenRequiredAndIsAVisibleSkipOtherwise() throws Exception {
        Path present = Files.writeString(dir.resolve("labels.gz"), "x");
        Path missing = dir.resolve("images.gz");
        assertThatCode(() -> RequiredDatasets.check(true, "dataset-x", present)).doesNotThrowAnyException();
        assertThatThrownBy(() -> RequiredDatasets.check(true, "dataset-x", present, missing))
                .isInstanceOf(AssertionFailedError.class)
                .hasMessage("NNCJ_REQUIRE_DATASETS is set but " + missing + " is missing (install the Debian package dataset-x)");
        assertThatThrownBy(() -> RequiredDatasets.check(false, "dataset-x", present, missing))
                .isInstanceOf(TestAbortedException.class)
                .hasMessageContaining(missing + " is missing (install the Debian package dataset-x)")
                .hasMessageContaining("set NNCJ_REQUIRE_DATASETS=1 to make this a failure");
    }
}
