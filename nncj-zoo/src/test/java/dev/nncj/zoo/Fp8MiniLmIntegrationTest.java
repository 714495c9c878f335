package dev.nncj.zoo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nncj.ProgressListener;
import dev.nncj.data.SentenceFile;
import dev.nncj.data.TextTokenizer;
import dev.nncj.data.TokenizerOptions;
import dev.nncj.eval.EmbeddingFidelityEval;
import dev.nncj.eval.EvalOptions;
import dev.nncj.eval.EvalResult;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.quantize.QuantizationMode;
import dev.nncj.quantize.QuantizationResult;
import dev.nncj.quantize.QuantizeOptions;
import dev.nncj.quantize.Quantizers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * fp8 (E4M3FN) on the real all-MiniLM-L6-v2: the opset 11 → 19 upgrade must accept the PyTorch
 * export, ORT must run the result, and the mean cosine to float32 must meet the 0.990 on
 * the first 200 SST-2 test sentences (the full 872 measure 0.998; see bench/results).
 */
class Fp8MiniLmIntegrationTest {
    @TempDir
    Path dir;

    @Test
    void fp8E4m3fnIsAQuarterOfTheSizeWithMeanCosineAbove0990() throws Exception {
        ModelZoo.Fetched fp32 = ModelZoo.get("all-minilm-l6-v2", dir.resolve("fp32"), ProgressListener.NONE);
        OnnxModel model = OnnxFiles.load(fp32.modelFile());
        QuantizationResult result = Quantizers.quantize(model, fp32.modelFile(),
                QuantizeOptions.defaults(QuantizationMode.FP8), ProgressListener.NONE);
        assertThat(result.quantizedNodes()).hasSize(37); // 36 weight MatMuls and the token embedding
        assertThat(result.model().opset()).isEqualTo(19);
        Path out = dir.resolve("fp8/model.onnx");
        OnnxFiles.save(result.model(), out);
        assertThat((double) Files.size(out) / Files.size(fp32.modelFile())).isLessThan(0.27);

        List<String> sentences = SentenceFile.read(MiniLmIntegrationTest.SST2_TEST).subList(0, 200);
        try (TextTokenizer tokenizer = TextTokenizer.load(fp32.tokenizerFile(), TokenizerOptions.defaults())) {
            EvalResult r = EmbeddingFidelityEval.run(out, fp32.modelFile(), sentences, tokenizer,
                    EvalOptions.defaults(), ProgressListener.NONE);
            assertThat(r.n()).isEqualTo(200);
            assertThat(r.value()).isGreaterThanOrEqualTo(0.990);
        }
    }
}
