package dev.nncj.cli.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each check of a case, on a hand-made case folder and run. */
class CaseJudgeTest {
    @TempDir
    Path dir;

    FuzzCase fuzzCase;
    FolderSnapshot before;

    @BeforeEach
    void caseFolder() throws IOException {
        Files.createDirectories(dir.resolve("out"));
        Path model = Files.write(dir.resolve("model.onnx"), new byte[] {1, 2, 3});
        CliCommand quantize = CliCommand.compress("quantize", model, dir.resolve("out/out.onnx"), "--mode", "fp16");
        fuzzCase = new FuzzCase(0, "test", 1, "a broken model", Expectation.REJECT, quantize, dir, Set.of("model.onnx"),
                Optional.of("MRK0000000000001"), List.of());
        before = FolderSnapshot.of(dir);
    }

    private CaseResult judge(int rc, String stderr) {
        RunRecord run = new RunRecord(RunRecord.Ending.END, rc, 10, null, rc == 0 ? "valid" : null, List.of(), 0, null);
        return CaseJudge.judge(fuzzCase, run, before, Map.of(), "", stderr);
    }

    @Test
    void oneLineNamingTheInputPasses() {
        CaseResult r = judge(1, "nncj: " + dir.resolve("model.onnx") + ": is truncated\n");
        assertThat(r.failures()).isEmpty();
        assertThat(r.primary()).isEqualTo(Outcome.PASS_REJECTED);
    }

    @Test
    void anInternalErrorNamesNoFile() {
        CaseResult r = judge(1, "nncj: internal error: IllegalArgumentException: bad dims (set NNCJ_DEBUG=1 for the stack trace)\n");
        assertThat(r.failures()).containsExactly(Outcome.INTERNAL_ERROR, Outcome.FILE_NOT_NAMED);
    }

    @Test
    void aStackTraceIsMoreThanOneLine() {
        CaseResult r = judge(1, "nncj: " + dir.resolve("model.onnx") + ": bad\njava.lang.IllegalStateException: x\n\tat a.B.c(B.java:1)\n");
        assertThat(r.failures()).containsExactly(Outcome.STACK_TRACE, Outcome.NOT_ONE_LINE);
    }

    @Test
    void exitZeroOnAnInputThatMustBeRefusedIsAccepted() throws IOException {
        Files.write(dir.resolve("out/out.onnx"), new byte[] {9});
        assertThat(judge(0, "").primary()).isEqualTo(Outcome.ACCEPTED);
    }

    @Test
    void aRefusalThatLeavesItsOutputOrATempFileFails() throws IOException {
        Files.write(dir.resolve("out/out.onnx"), new byte[] {9});
        Files.write(dir.resolve("out/.out.onnx.tmp"), new byte[] {9});
        CaseResult r = judge(1, "nncj: " + dir.resolve("model.onnx") + ": bad\n");
        assertThat(r.failures()).containsExactly(Outcome.OUTPUT_LEFT, Outcome.TEMP_LEFT);
    }

    @Test
    void aChangedInputAndTheOutsideMarkerInAWrittenFileAreCaught() throws IOException {
        Files.write(dir.resolve("model.onnx"), new byte[] {1, 2, 4});
        Files.writeString(dir.resolve("out/out.onnx"), "xxMRK0000000000001xx");
        CaseResult r = judge(1, "nncj: " + dir.resolve("model.onnx") + ": bad\n");
        assertThat(r.failures()).contains(Outcome.LEAK, Outcome.INPUT_CHANGED, Outcome.OUTPUT_LEFT);
        assertThat(r.primary()).isEqualTo(Outcome.LEAK);
    }

    @Test
    void aFileIsNamedOnlyAsAWholePathComponent() {
        assertThat(CaseJudge.names("nncj: /a/b/model.onnx: bad", "model.onnx")).isTrue();
        assertThat(CaseJudge.names("nncj: /a/out/out.onnx: bad", "out")).isFalse();
        assertThat(CaseJudge.names("nncj: /a/out: is a directory", "out")).isTrue();
        assertThat(CaseJudge.names("nncj: /a/model.onnx.data: bad", "model.onnx")).isFalse();
    }
}
