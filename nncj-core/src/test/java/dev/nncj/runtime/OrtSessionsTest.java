package dev.nncj.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OrtSession;
import dev.nncj.NncjException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OrtSessionsTest {
    @TempDir
    Path dir;

    @Test
    void opensATinyModelAndReportsItsInputs() throws Exception {
        Path model = TinyOnnx.write(dir, "encoder.onnx", TinyOnnx.encoder());
        try (OrtSession session = OrtSessions.open(model, RuntimeOptions.defaults())) {
            assertThat(session.getInputNames()).containsExactly("input_ids", "attention_mask", "token_type_ids");
        }
    }

    @Test
    void everyOptimizationLevelLoads() throws Exception {
        Path model = TinyOnnx.write(dir, "encoder.onnx", TinyOnnx.encoder());
        for (RuntimeOptions.Optimization level : RuntimeOptions.Optimization.values()) {
            RuntimeOptions options = RuntimeOptions.defaults().withOptimization(level)
                    .withExecution(RuntimeOptions.Execution.PARALLEL).withInterOpThreads(2);
            try (OrtSession session = OrtSessions.open(model, options)) {
                assertThat(session.getNumOutputs()).isEqualTo(1);
            }
        }
    }

    @Test
    void anOperatorOrtLacksIsOneLineNamingTheFile() throws Exception {
        Path model = TinyOnnx.write(dir, "nope.onnx", TinyOnnx.unknownOp());
        assertThatThrownBy(() -> OrtSessions.open(model, RuntimeOptions.defaults()))
                .isInstanceOf(NncjException.class)
                .hasMessageStartingWith(model + ": ONNX Runtime cannot run this model: ")
                .hasMessageContaining("Nope")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("Error code"));
    }

    @Test
    void aMissingFileSaysSo() {
        Path model = dir.resolve("absent.onnx");
        assertThatThrownBy(() -> OrtSessions.open(model, RuntimeOptions.defaults()))
                .isInstanceOf(NncjException.class)
                .hasMessage(model + ": file not found");
    }

    @Test
    void aFileThatIsNotOnnxSaysSo() throws Exception {
        Path model = Files.writeString(dir.resolve("text.onnx"), "this is not a protobuf\n\n\n");
        assertThatThrownBy(() -> OrtSessions.open(model, RuntimeOptions.defaults()))
                .isInstanceOf(NncjException.class)
                .hasMessageStartingWith(model + ": ")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void negativeThreadCountsAreRejected() {
        assertThatThrownBy(() -> RuntimeOptions.defaults().withIntraOpThreads(-1))
                .isInstanceOf(NncjException.class)
                .hasMessageContaining("intra-op threads");
    }

    @Test
    void reportsOrtVersion() {
        assertThat(OrtSessions.ortVersion()).startsWith("1.");
    }
}
