package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nncj.data.SyntheticImages;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nncj train} then {@code nncj deep-compress} then {@code unpack} and {@code eval}, in-process, on a synthetic 4-class image task. */
class DeepCompressCommandTest {
    @TempDir
    Path dir;

    @Test
    void trainCompressUnpackAndEvalAgree() throws Exception {
        SyntheticImages.IdxPair train = SyntheticImages.write(dir, "train", 384, 1);
        SyntheticImages.IdxPair test = SyntheticImages.write(dir, "test", 128, 2);
        Path model = dir.resolve("mlp.onnx");
        CliRun trained = CliRun.of("train", "--arch", "lenet-300-100", "--images", train.images(), "--labels", train.labels(),
                "--test-images", test.images(), "--test-labels", test.labels(), "--epochs", 3, "--batch-size", 64, "-o", model, "-q");
        assertThat(trained.exitCode()).as(trained.err()).isZero();
        assertThat(trained.out()).contains("lenet-300-100, 266,610 parameters", "test accuracy", "n = 128");

        Path packed = dir.resolve("mlp.nncj");
        CliRun compressed = CliRun.of("deep-compress", model, "--images", train.images(), "--labels", train.labels(),
                "--test-images", test.images(), "--test-labels", test.labels(), "--sparsity", 0.9, "--prune-steps", 1,
                "--retrain-epochs", 1, "--recover-epochs", 1, "--clusters", 16, "--batch-size", 64, "-o", packed, "--json", "-q");
        assertThat(compressed.exitCode()).as(compressed.err()).isZero();
        JsonNode json = Json.mapper().readTree(compressed.out());
        assertThat(json.get("stages")).hasSize(5); // fp32, 1 pruning round, clustered, fine-tuned, container
        assertThat(json.get("container_bytes").asLong()).isEqualTo(Files.size(packed));
        assertThat(json.get("compression").asDouble()).isGreaterThan(20);
        double last = json.get("stages").get(4).get("test_accuracy").asDouble();

        Path unpacked = dir.resolve("mlp-unpacked.onnx");
        assertThat(CliRun.of("unpack", packed, "-o", unpacked).exitCode()).isZero();
        CliRun eval = CliRun.of("eval", unpacked, "--task", "image-classification", "--data", test.images(), "--labels",
                test.labels(), "--json", "-q");
        assertThat(eval.exitCode()).as(eval.err()).isZero();
        assertThat(Json.mapper().readTree(eval.out()).get("accuracy").asDouble()).isEqualTo(last);
    }

    @Test
    void badArgumentsAreOneLineAndWriteNothing() throws Exception {
        SyntheticImages.IdxPair train = SyntheticImages.write(dir, "train", 8, 1);
        Path out = dir.resolve("never.onnx");
        CliRun arch = CliRun.of("train", "--arch", "resnet", "--images", train.images(), "--labels", train.labels(), "-o", out);
        assertThat(arch.exitCode()).isEqualTo(1);
        assertThat(arch.errorLine()).isEqualTo("nncj: --arch must be lenet-300-100 or lenet-5, not 'resnet'");
        CliRun half = CliRun.of("train", "--arch", "lenet-5", "--images", train.images(), "--labels", train.labels(),
                "--test-images", train.images(), "-o", out);
        assertThat(half.errorLine()).isEqualTo("nncj: give both --test-images and --test-labels, or neither");
        CliRun missing = CliRun.of("train", "--arch", "lenet-5", "--images", dir.resolve("none.idx"), "--labels", train.labels(), "-o", out);
        assertThat(missing.errorLine()).startsWith("nncj: " + dir.resolve("none.idx") + ": ");
        assertThat(out).doesNotExist();
        Path packed = dir.resolve("never.nncj");
        CliRun notContainer = CliRun.of("deep-compress", out, "--images", train.images(), "--labels", train.labels(), "-o",
                dir.resolve("x.onnx"));
        assertThat(notContainer.errorLine()).endsWith("the output is a .nncj container; name it OUT.nncj");
        CliRun clusters = CliRun.of("deep-compress", out, "--images", train.images(), "--labels", train.labels(), "--clusters", 0,
                "-o", packed);
        assertThat(clusters.errorLine()).isEqualTo("nncj: --clusters must be in 1..255, got 0");
        CliRun rate = CliRun.of("deep-compress", out, "--images", train.images(), "--labels", train.labels(),
                "--sparsity-per-layer", "fc1.weight=0.9,fc2.weight", "-o", packed);
        assertThat(rate.errorLine()).isEqualTo("nncj: --sparsity-per-layer: a per-layer rate must be PATTERN=S (e.g. 'fc1.weight=0.92'), "
                + "not 'fc2.weight'");
        CliRun teacher = CliRun.of("deep-compress", out, "--images", train.images(), "--labels", train.labels(),
                "--teacher", out, "-o", packed);
        assertThat(teacher.errorLine()).isEqualTo("nncj: a teacher needs a soft-target weight (--distill-weight)");
        CliRun criterion = CliRun.of("deep-compress", out, "--images", train.images(), "--labels", train.labels(),
                "--criterion", "gradient", "-o", packed);
        assertThat(criterion.errorLine()).isEqualTo("nncj: --criterion must be magnitude or activation, not 'gradient'");
        assertThat(packed).doesNotExist();
    }
}
