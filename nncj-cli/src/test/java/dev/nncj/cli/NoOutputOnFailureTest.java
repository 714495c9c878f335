package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nncj.data.TinyTokenizer;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.TinyModels;
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
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Commands used to write -o, then fail (ONNX Runtime could not load the result, or the --eval-data
 * tokenizer did not fit) and leave it. Now each ends in one line, exit 1, and the folder holds exactly
 * what it held before: no OUT, no hidden partial or staging file.
 */
class NoOutputOnFailureTest {
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
    void anInputOnnxRuntimeCannotLoadIsRefusedAndNothingIsLeftBehind(UnloadableModels broken, List<String> command) throws IOException {
        Path in = broken.write(dir.resolve("in.onnx"));
        byte[] before = Files.readAllBytes(in);
        boolean container = command.contains("out.nncj");
        Path out = dir.resolve(container ? "out.nncj" : "out.onnx");
        List<Object> args = new java.util.ArrayList<>(command.stream().filter(a -> !a.equals("-o") && !a.equals("out.nncj")).toList());
        args.addAll(1, List.of(in, "-o", out));
        args.addAll(List.of("--bench-runs", 1, "-q"));

        CliRun run = CliRun.of(args.toArray());

        assertThat(run.exitCode()).as(run.err()).isEqualTo(Nncj.EXIT_FAILURE);
        // the input itself does not load in ONNX Runtime: refused before the work, naming the input
        // (StagedModelTest covers a result ONNX Runtime refuses from a loadable input)
        assertThat(run.errorLine()).startsWith("nncj: " + in + ": ONNX Runtime cannot run this model: ");
        assertThat(entries()).containsExactly("in.onnx");
        assertThat(Files.readAllBytes(in)).isEqualTo(before);
    }

    /**
     * TinyTokenizer has 14 ids, the model's table 10 rows: the measurement after the work would fail.
     * The message names the input model, so it came from the check before the work, not the measurement.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"out.onnx", "out.nncj"})
    void anEvalTokenizerThatDoesNotFitTheModelFailsBeforeTheWork(String output) throws IOException {
        Path in = dir.resolve("in.onnx");
        OnnxFiles.save(TinyModels.bagOfWordsClassifier(10), in);
        Path tokenizer = TinyTokenizer.write(dir);
        Path data = Files.writeString(dir.resolve("d.tsv"), "sentence\tlabel\nthe cat\t1\na dog\t0\n");
        Path out = dir.resolve(output);
        List<Object> method = output.endsWith(".nncj") ? List.of("sparsify", "--sparsity", 0.5, "--include-embeddings")
                : List.of("quantize", "--mode", "dynamic-int8");
        List<Object> args = new java.util.ArrayList<>(method);
        args.addAll(List.of(in, "-o", out, "--eval-data", data, "--eval-task", "text-classification", "--bench-runs", 1, "-q"));
        CliRun run = CliRun.of(args.toArray());
        assertThat(run.exitCode()).isEqualTo(Nncj.EXIT_FAILURE);
        assertThat(run.errorLine()).isEqualTo("nncj: " + tokenizer + ": vocabulary has 14 tokens but the model " + in
                + " embeds only 10 (wrong tokenizer for this model?)");
        assertThat(entries()).containsExactly("d.tsv", "in.onnx", "tokenizer.json");
    }

    private List<String> entries() throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
