package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nncj.onnx.UnloadableModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Inputs NNCJ reads but ONNX Runtime refuses: the commands used to write -o, then fail on it and
 * leave it. Now the result is loaded before it takes OUT's name, so each ends in one line, exit 1,
 * and the folder holds exactly what it held before (no OUT, no hidden partial or staging file).
 */
class UnloadableResultTest {
    @TempDir
    Path dir;

    static Stream<Arguments> cases() {
        List<List<String>> commands = List.of(
                List.of("quantize", "--mode", "dynamic-int8"),
                List.of("quantize", "--mode", "int8-weight"),
                List.of("sparsify", "--sparsity", "0.5"),
                List.of("sparsify", "--sparsity", "0.5", "-o", "out.nncj"));
        return Stream.of(UnloadableModels.values())
                .flatMap(model -> commands.stream().map(command -> Arguments.of(model, command)));
    }

    @ParameterizedTest(name = "{1} on {0}")
    @MethodSource("cases")
    void aResultOnnxRuntimeCannotLoadIsNotLeftBehind(UnloadableModels broken, List<String> command) throws IOException {
        Path in = broken.write(dir.resolve("in.onnx"));
        byte[] before = Files.readAllBytes(in);
        boolean container = command.contains("out.nncj");
        Path out = dir.resolve(container ? "out.nncj" : "out.onnx");
        List<Object> args = new java.util.ArrayList<>(command.stream().filter(a -> !a.equals("-o") && !a.equals("out.nncj")).toList());
        args.addAll(1, List.of(in, "-o", out));
        args.addAll(List.of("--bench-runs", 1, "-q"));

        CliRun run = CliRun.of(args.toArray());

        assertThat(run.exitCode()).as(run.err()).isEqualTo(Nncj.EXIT_FAILURE);
        assertThat(run.errorLine()).startsWith("nncj: " + out + ": ONNX Runtime could not load the result, so it was not written: ");
        assertThat(entries()).containsExactly("in.onnx");
        assertThat(Files.readAllBytes(in)).isEqualTo(before);
    }

    private List<String> entries() throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
