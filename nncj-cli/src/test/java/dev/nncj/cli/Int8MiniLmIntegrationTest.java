package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nncj.ProgressListener;
import dev.nncj.data.SentenceFile;
import dev.nncj.data.TextTokenizer;
import dev.nncj.data.TokenizerOptions;
import dev.nncj.eval.EmbeddingFidelityEval;
import dev.nncj.eval.EvalOptions;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.zoo.ModelZoo;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real all-MiniLM-L6-v2 through both integer modes with their default weights, int8: ONNX Runtime's
 * uint8·int8 kernel can saturate on x86 without VNNI (the tiny models of the unit tests show it), which on
 * this encoder costs little (mean cosine to fp32 0.991 on SST-2's sentences, bench/results/2026-12-03-int8-avx2.md),
 * while a wrong sign or zero point would cost everything.
 */
class Int8MiniLmIntegrationTest {
    @TempDir
    Path dir;

    @Test
    void bothIntegerModesKeepFp32sEmbeddingsWithInt8Weights() throws Exception {
        ModelZoo.Fetched minilm = ModelZoo.get("all-minilm-l6-v2", dir.resolve("zoo"), ProgressListener.NONE);
        Path sentences = Path.of("../data/sst2/test.tsv"); // shipped in the repository
        List<String> first = SentenceFile.read(sentences).subList(0, 64);
        try (TextTokenizer tokenizer = TextTokenizer.load(minilm.tokenizerFile(), TokenizerOptions.defaults())) {
            for (String mode : List.of("dynamic-int8", "static-int8")) {
                Path out = dir.resolve(mode + ".onnx");
                List<Object> args = new java.util.ArrayList<>(List.of("quantize", minilm.modelFile(), "-o", out, "--mode", mode,
                        "--bench-runs", 1, "-q"));
                if (mode.equals("static-int8")) {
                    args.addAll(List.of("--calibration-data", sentences, "--calibration-samples", 64));
                }
                CliRun run = CliRun.of(args.toArray());
                assertThat(run.exitCode()).as(run.err()).isZero();
                OnnxModel q = OnnxFiles.load(out);
                // dynamic int8 fuses each layer's Q/K/V projections and attention into one QAttention by default
                boolean fused = mode.equals("dynamic-int8");
                assertThat(q.graph().nodes()).filteredOn(n -> n.opType().equals("QAttention")).hasSize(fused ? 6 : 0);
                assertThat(q.graph().nodes()).filteredOn(n -> Set.of("MatMulIntegerToFloat", "QAttention").contains(n.opType()))
                        .hasSize(fused ? 24 : 36)
                        .allSatisfy(n -> assertThat(q.graph().initializer(n.input(1)).orElseThrow().type())
                                .isEqualTo(DataType.INT8));
                double cosine = EmbeddingFidelityEval.run(out, minilm.modelFile(), first, tokenizer, EvalOptions.defaults(),
                        ProgressListener.NONE).value();
                assertThat(cosine).as(mode).isGreaterThan(0.985);
            }
        }
    }
}
