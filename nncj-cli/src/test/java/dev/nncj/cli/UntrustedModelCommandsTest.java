package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nncj.data.SyntheticImages;
import dev.nncj.data.TinyTokenizer;
import dev.nncj.onnx.ExternalModels;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.SaveOptions;
import dev.nncj.onnx.Tensor;
import dev.nncj.train.finetune.ClassifierHead;
import dev.nncj.transformer.TinyEncoders;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Models a user is handed, not ones they made: external data that leaves the model's folder, a FIFO
 * as external data, malformed tensors and non-finite weights, through every command that reads a
 * model. Each ends in one line naming the file and the problem, exit code 1, and nothing written.
 * The model is TinyEncoders' 2-layer classifier (model/clf.onnx, with its tokenizer and 32 labelled rows).
 */
class UntrustedModelCommandsTest {
    @TempDir
    Path dir;

    Path folder;
    Path train;
    Path outDir;

    @BeforeEach
    void data() throws IOException {
        folder = Files.createDirectories(dir.resolve("model"));
        TinyTokenizer.write(folder);
        train = FactorizeCommandTest.catsAndDogs(dir.resolve("train.tsv"), 32);
        outDir = Files.createDirectories(dir.resolve("out"));
    }

    private static OnnxModel classifier() {
        OnnxModel model = TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L), false);
        ClassifierHead.attach(model, "last_hidden_state", 2, 5);
        return model;
    }

    /**
     * clf.onnx with every weight in clf.onnx.data, which is then replaced by a link to a file outside
     * the folder of the same size, full of {@link ExternalModels#MARKER}.
     */
    private Path withLinkedWeights() throws IOException {
        Path model = folder.resolve("clf.onnx");
        OnnxFiles.save(classifier(), model, new SaveOptions(false, SaveOptions.ExternalData.ALWAYS, 0));
        Path data = folder.resolve("clf.onnx.data");
        byte[] secret = new byte[(int) Files.size(data)];
        byte[] marker = ExternalModels.MARKER.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i + marker.length <= secret.length; i += marker.length) {
            System.arraycopy(marker, 0, secret, i, marker.length);
        }
        Path target = Files.write(Files.createDirectories(dir.resolve("elsewhere")).resolve("secret.bin"), secret);
        Files.delete(data);
        Files.createSymbolicLink(data, target);
        return model;
    }

    /**
     * The command line for {@code name} on {@code model}; the compressing ones measure on 8 tokens once, so
     * that without the checks under test they would run to the end (the position table has 16 rows).
     */
    private Object[] command(String name, Path model) throws IOException {
        Path out = outDir.resolve(name + ".onnx");
        Object[] measure = {"--bench-runs", 1, "--seq-len", 8, "-q"};
        return switch (name) {
            case "inspect" -> new Object[] {"inspect", model};
            case "eval" -> new Object[] {"eval", model, "--task", "text-classification", "--data", train, "-q"};
            case "bench" -> new Object[] {"bench", model, "--runs", 1, "--warmup", 0, "--seq-len", 8, "-q"};
            case "quantize" -> concat(measure, "quantize", model, "-o", out, "--mode", "dynamic-int8");
            case "int8-weight", "int4-weight" -> concat(measure, "quantize", model, "-o", out, "--mode", name, "--block-size", 16);
            case "qat" -> concat(measure, "quantize", model, "-o", out, "--mode", "static-int8", "--qat", "--data", train,
                    "--max-length", 16, "--batch-size", 8);
            case "sparsify" -> concat(measure, "sparsify", model, "-o", out, "--sparsity", 0.5);
            case "factorize" -> concat(measure, "factorize", model, "-o", out, "--rank-ratio", 0.5);
            case "prune" -> concat(measure, "prune", model, "-o", out, "--heads", 0.5);
            case "share" -> concat(measure, "share", model, "-o", out, "--clusters", 4);
            case "movement" -> concat(measure, "movement", model, "-o", out, "--remaining", 0.5, "--data", train,
                    "--max-length", 16, "--batch-size", 8);
            case "finetune" -> new Object[] {"finetune", model, "-o", out, "--data", train, "--eval", train, "--max-length", 16,
                "--batch-size", 8, "-q"};
            case "distill" -> concat(measure, "distill", "--teacher", model, "--student", model, "--data", train, "-o", out,
                    "--max-length", 16, "--batch-size", 8);
            case "deep-compress" -> {
                SyntheticImages.IdxPair images = SyntheticImages.write(dir, "img", 16, 1);
                SyntheticImages.IdxPair test = SyntheticImages.write(dir, "img-test", 16, 2); // not the training images
                yield new Object[] {"deep-compress", model, "--images", images.images(), "--labels", images.labels(),
                    "--test-images", test.images(), "--test-labels", test.labels(), "-o", outDir.resolve("dc.nncj"), "-q"};
            }
            default -> throw new IllegalArgumentException(name);
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"inspect", "eval", "bench", "quantize", "sparsify", "factorize", "prune", "share"})
    void externalDataLinkedOutOfTheFolderIsOneLineAndNeverRead(String name) throws IOException {
        Path model = withLinkedWeights();
        CliRun run = CliRun.of(command(name, model));
        assertThat(run.exitCode()).as(run.err()).isEqualTo(1);
        assertThat(run.errorLine()).startsWith("nncj: " + model + ": tensor ")
                .contains("external data clf.onnx.data is a symbolic link");
        assertThat(run.out() + run.err()).doesNotContain(ExternalModels.MARKER);
        assertNothingWritten();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS) // a guard against hanging the suite, not a speed bound
    void aFifoAsExternalDataIsOneLineNotAHang() throws Exception {
        Path model = folder.resolve("clf.onnx");
        OnnxFiles.save(classifier(), model, new SaveOptions(false, SaveOptions.ExternalData.ALWAYS, 0));
        Files.delete(folder.resolve("clf.onnx.data"));
        boolean made;
        try {
            made = new ProcessBuilder("mkfifo", folder.resolve("clf.onnx.data").toString()).start().waitFor() == 0;
        } catch (IOException e) {
            made = false;
        }
        assumeTrue(made, "mkfifo is not available on this machine");
        for (String name : List.of("inspect", "bench")) {
            CliRun run = CliRun.of(command(name, model));
            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.errorLine()).startsWith("nncj: " + model + ": tensor ")
                    .endsWith("external data clf.onnx.data is not a regular file (a FIFO, socket or device)");
        }
    }

    @Test
    void malformedTensorsAndDuplicatesAreOneLineNotAnInternalError() throws IOException {
        Path negative = ExternalModels.withW(dir.resolve("negative"), w -> w.toBuilder().clearDims().addDims(-4).addDims(3).build());
        CliRun run = CliRun.of("inspect", negative);
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.errorLine()).isEqualTo("nncj: " + negative + ": tensor w: negative dimension in shape [-4, 3]");

        Path overflowing = ExternalModels.withExternalW(dir.resolve("overflow"), "location", "w.bin", "offset", "9223372036854775807");
        Files.write(overflowing.resolveSibling("w.bin"), new byte[ExternalModels.W_BYTES]);
        run = CliRun.of("bench", overflowing, "--runs", 1, "--warmup", 0, "-q");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.errorLine()).startsWith("nncj: " + overflowing + ": tensor w: external data in w.bin ends at byte beyond 2^63");

        var proto = OnnxFiles.toProto(classifier(), dev.nncj.onnx.TensorProtos::toProto).toBuilder();
        proto.getGraphBuilder().addInitializer(proto.getGraph().getInitializer(0));
        Path duplicated = ExternalModels.write(dir.resolve("dup"), proto.build());
        run = CliRun.of("quantize", duplicated, "-o", outDir.resolve("q.onnx"), "--mode", "dynamic-int8", "-q");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.errorLine()).isEqualTo("nncj: " + duplicated + ": initializer " + proto.getGraph().getInitializer(0).getName()
                + " appears more than once; ONNX names each value once");
        assertNothingWritten();
    }

    /**
     * int8-weight and int4-weight used to zero every block holding a NaN and `share --clusters` to make the
     * whole matrix NaN, exit code 0; every command that compresses or trains from a model now refuses it first.
     */
    @ParameterizedTest
    @ValueSource(strings = {"int8-weight", "int4-weight", "share", "quantize", "sparsify", "factorize", "prune", "movement",
        "finetune", "distill", "qat", "deep-compress"})
    void aNanWeightIsRefusedBeforeAnyMethodNamingTheTensor(String name) throws IOException {
        OnnxModel model = classifier();
        Tensor w = firstMatMulWeight(model);
        float[] values = w.toFloats();
        values[17] = Float.NaN;
        model.graph().replaceInitializer(Tensor.ofFloats(w.name(), w.shape(), values));
        Path file = folder.resolve("clf.onnx");
        OnnxFiles.save(model, file);

        CliRun run = CliRun.of(command(name, file));
        assertThat(run.exitCode()).as(run.err()).isEqualTo(1);
        assertThat(run.errorLine()).isEqualTo("nncj: " + file + ": tensor " + w.name()
                + " holds NaN at index 17; compressing it would give a wrong model");
        assertNothingWritten();
    }

    private static Object[] concat(Object[] tail, Object... head) {
        return Stream.concat(Stream.of(head), Stream.of(tail)).toArray();
    }

    private static Tensor firstMatMulWeight(OnnxModel model) {
        for (Node n : model.graph().nodes()) {
            if (n.is("MatMul") && model.graph().isInitializer(n.input(1))) {
                return model.graph().initializer(n.input(1)).orElseThrow();
            }
        }
        throw new AssertionError("no MatMul weight");
    }

    private void assertNothingWritten() throws IOException {
        try (Stream<Path> files = Files.list(outDir)) {
            assertThat(files).isEmpty();
        }
    }
}
