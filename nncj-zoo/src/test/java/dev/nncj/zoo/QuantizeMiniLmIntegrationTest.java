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
import dev.nncj.runtime.ModelFiles;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dynamic int8 on the real all-MiniLM-L6-v2: size and embedding fidelity on real SST-2 sentences. */
class QuantizeMiniLmIntegrationTest {
    @TempDir
    static Path dir;

    @Test
    void dynamicInt8IsAQuarterOfTheSizeAndKeepsMeanCosineAbove099() {
        ModelZoo.Fetched fp32 = ModelZoo.get("all-minilm-l6-v2", dir.resolve("fp32"), ProgressListener.NONE);
        OnnxModel model = OnnxFiles.load(fp32.modelFile());
        QuantizationResult r = Quantizers.quantize(model, fp32.modelFile(),
                QuantizeOptions.defaults(QuantizationMode.DYNAMIC_INT8), ProgressListener.NONE);
        // 6 layers x 6 projections, plus the word and position embedding lookups
        assertThat(r.quantizedNodes()).hasSize(38);
        Path out = dir.resolve("dyn/model.onnx");
        OnnxFiles.save(r.model(), out);
        assertThat((double) ModelFiles.totalBytes(out) / ModelFiles.totalBytes(fp32.modelFile())).isLessThan(0.26);
        // 200 sentences keep the test short; on all 872 the mean is 0.9918 (bench/results)
        List<String> sentences = SentenceFile.read(MiniLmIntegrationTest.SST2_TEST).subList(0, 200);
        try (TextTokenizer tokenizer = TextTokenizer.load(fp32.tokenizerFile(), TokenizerOptions.defaults())) {
            EvalResult e = EmbeddingFidelityEval.run(out, fp32.modelFile(), sentences, tokenizer,
                    EvalOptions.defaults(), ProgressListener.NONE);
            assertThat(e.value()).isGreaterThanOrEqualTo(0.990);
        }
    }
}
