package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every command that writes a model checks where it will write first: each run below names an input
 * that does not exist (and data that does not exist), so an error about the output proves it came
 * before anything was read, trained or compressed. Before the check, `finetune` into an unwritable
 * place trained to the end and then lost the result, and `quantize -o DIR` failed after quantizing.
 */
class OutputPlaceTest {
    @TempDir
    Path dir;

    Path notAFolder;
    Path tokenizer;

    @BeforeEach
    void files() throws IOException {
        notAFolder = Files.writeString(dir.resolve("notes.txt"), "a file, not a folder");
        tokenizer = Files.writeString(dir.resolve("tokenizer.json"), "{}");
    }

    /** Each command's shortest command line, with IN, its data and OUT left to the test. */
    static Stream<Arguments> commands() {
        return Stream.of(
                Arguments.of(".onnx", List.of("quantize", "IN", "-o", "OUT", "--mode", "dynamic-int8")),
                Arguments.of(".onnx", List.of("prune", "IN", "-o", "OUT")),
                Arguments.of(".onnx", List.of("sparsify", "IN", "-o", "OUT", "--sparsity", "0.5")),
                Arguments.of(".nncj", List.of("sparsify", "IN", "-o", "OUT", "--sparsity", "0.5")),
                Arguments.of(".onnx", List.of("factorize", "IN", "-o", "OUT")),
                Arguments.of(".onnx", List.of("movement", "IN", "-o", "OUT", "--remaining", "0.5", "--data", "DATA")),
                Arguments.of(".nncj", List.of("share", "IN", "-o", "OUT", "--clusters", "4")),
                Arguments.of(".onnx", List.of("finetune", "IN", "-o", "OUT", "--data", "DATA", "--eval", "DATA",
                        "--tokenizer", "TOKENIZER")),
                Arguments.of(".onnx", List.of("distill", "--teacher", "IN", "--student", "IN", "--data", "DATA", "-o", "OUT",
                        "--tokenizer", "TOKENIZER")),
                Arguments.of(".onnx", List.of("unpack", "IN", "-o", "OUT")),
                Arguments.of(".ort", List.of("export", "IN", "--format", "ort", "-o", "OUT")),
                Arguments.of(".onnx", List.of("train", "--arch", "lenet-300-100", "--images", "DATA", "--labels", "DATA",
                        "-o", "OUT")),
                Arguments.of(".nncj", List.of("deep-compress", "IN", "--images", "DATA", "--labels", "DATA", "-o", "OUT")));
    }

    @ParameterizedTest(name = "{1} {0}")
    @MethodSource("commands")
    void anOutputWhoseFolderIsAFileIsRefusedFirst(String extension, List<String> command) {
        Path out = notAFolder.resolve("out" + extension);
        CliRun run = run(command, out);
        assertThat(run.exitCode()).isEqualTo(Nncj.EXIT_FAILURE);
        assertThat(run.errorLine()).isEqualTo("nncj: " + out + ": its folder " + notAFolder + " is a file, not a folder");
        assertThat(notAFolder).hasContent("a file, not a folder");
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("commands")
    void anOutputThatIsAFolderIsRefusedFirst(String extension, List<String> command) throws IOException {
        Path folder = Files.createDirectories(dir.resolve("results" + extension));
        CliRun run = run(command, folder);
        assertThat(run.errorLine()).isEqualTo("nncj: " + folder + ": is a folder; name a file to write");
        try (Stream<Path> list = Files.list(folder)) {
            assertThat(list).isEmpty();
        }
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("commands")
    void anOutputOfTheWrongKindIsRefusedFirst(String extension, List<String> command) {
        Path out = dir.resolve("out.txt");
        CliRun run = run(command, out);
        String expected = switch (command.get(0)) {
            case "sparsify", "share", "movement" -> "the output is an ONNX model or a container; name it OUT.onnx or OUT.nncj";
            case "deep-compress" -> "the output is a .nncj container; name it OUT.nncj";
            case "export" -> "the output is an ORT-format model; name it OUT.ort";
            default -> "the output is an ONNX model; name it OUT.onnx";
        };
        assertThat(run.errorLine()).isEqualTo("nncj: " + out + ": " + expected);
        assertThat(out).doesNotExist();
    }

    private CliRun run(List<String> command, Path out) {
        List<Object> args = new ArrayList<>();
        for (String a : command) {
            args.add(switch (a) {
                case "IN" -> dir.resolve("missing.onnx");
                case "DATA" -> dir.resolve("missing.tsv");
                case "TOKENIZER" -> tokenizer;
                case "OUT" -> out;
                default -> a;
            });
        }
        args.add("-q");
        if (command.get(0).equals("unpack")) {
            args.remove(args.size() - 1); // unpack prints no progress
        }
        return CliRun.of(args.toArray());
    }
}
