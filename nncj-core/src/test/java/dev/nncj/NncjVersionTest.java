package dev.nncj;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.TinyModels;
import dev.nncj.provenance.Provenance;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Built by Maven, NNCJ knows its version: the pom's, never the "dev" of an unstamped build. */
class NncjVersionTest {
    @Test
    void theBuildStampsThePomVersion() {
        assertThat(NncjVersion.current()).isNotEqualTo(NncjVersion.UNKNOWN).matches("\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
    }

    @Test
    void provenanceRecordsTheBuildVersion(@TempDir Path dir) {
        Path input = dir.resolve("in.onnx");
        OnnxFiles.save(TinyModels.linearRelu(), input);
        OnnxModel model = OnnxFiles.load(input);
        Provenance.record(model, input, "test", Map.of());
        assertThat(model.metadata()).containsEntry(Provenance.VERSION, NncjVersion.current());
        assertThat(model.metadata().get(Provenance.VERSION)).isNotEqualTo("dev");
    }
}
