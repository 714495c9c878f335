package dev.nncj.zoo;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.nncj.ProgressListener;
import dev.nncj.data.EncodedBatch;
import dev.nncj.data.SentenceFile;
import dev.nncj.data.TextTokenizer;
import dev.nncj.data.TokenizerOptions;
import dev.nncj.eval.EmbeddingFidelityEval;
import dev.nncj.eval.EvalOptions;
import dev.nncj.eval.EvalResult;
import dev.nncj.inspect.EncoderShape;
import dev.nncj.inspect.ModelInspector;
import dev.nncj.inspect.ModelReport;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.runtime.Benchmark;
import dev.nncj.runtime.BenchmarkOptions;
import dev.nncj.runtime.ComparisonResult;
import dev.nncj.runtime.OrtSessions;
import dev.nncj.runtime.RuntimeOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The foundation on the real all-MiniLM-L6-v2 from the zoo and real SST-2 sentences. */
class MiniLmIntegrationTest {
    static final Path SST2_TEST = Path.of("../data/sst2/test.tsv");

    @TempDir
    static Path dir;

    static ModelZoo.Fetched fp32;
    static ModelZoo.Fetched int8;

    @BeforeAll
    static void fetch() {
        fp32 = ModelZoo.get("all-minilm-l6-v2", dir.resolve("fp32"), ProgressListener.NONE);
        int8 = ModelZoo.get("all-minilm-l6-v2-ort-int8", dir.resolve("int8"), ProgressListener.NONE);
    }

    @Test
    void inspectFindsTheKnownParameterCountAndEncoderShape() {
        ModelReport report = ModelInspector.inspect(fp32.modelFile());
        assertThat(report.parameters()).isEqualTo(22_565_376L);
        assertThat(report.bytes()).isEqualTo(90_387_606L);
        assertThat(report.opsets()).containsEntry("", 11L);
        assertThat(report.encoder()).contains(new EncoderShape(6, 384, 12, 32, 1536, 30522, 512));
        // the quantized baseline's table sits behind DequantizeLinear; its shape is still found
        assertThat(ModelInspector.inspect(int8.modelFile()).encoder()).get()
                .extracting(EncoderShape::layers, EncoderShape::hiddenSize, EncoderShape::vocabularySize)
                .containsExactly(6, 384, 30522);
    }

    @Test
    void loadThenSaveGivesAFileOnnxRuntimeRunsWithIdenticalOutputs() throws Exception {
        OnnxModel model = OnnxFiles.load(fp32.modelFile());
        Path copy = dir.resolve("copy/model.onnx");
        OnnxFiles.save(model, copy);
        List<String> sentences = SentenceFile.read(SST2_TEST).subList(0, 16);
        try (TextTokenizer tokenizer = TextTokenizer.load(fp32.tokenizerFile(), TokenizerOptions.defaults())) {
            EncodedBatch batch = tokenizer.encode(sentences);
            float[] original = run(fp32.modelFile(), batch);
            float[] saved = run(copy, batch);
            assertThat(saved).hasSize(16 * batch.sequenceLength() * 384);
            assertThat(saved).containsExactly(original); // bit-identical: same graph, same weights
        }
    }

    @Test
    void ortQuantizedBaselineKeepsMeanCosineNear0990OnSst2() {
        List<String> sentences = SentenceFile.read(SST2_TEST);
        try (TextTokenizer tokenizer = TextTokenizer.load(fp32.tokenizerFile(), TokenizerOptions.defaults())) {
            EvalResult r = EmbeddingFidelityEval.run(int8.modelFile(), fp32.modelFile(), sentences, tokenizer,
                    EvalOptions.defaults(), ProgressListener.NONE);
            assertThat(r.n()).isEqualTo(872);
            assertThat(r.value()).isBetween(0.988, 0.992);
            assertThat(r.metrics().get("min_cosine")).isBetween(0.9, r.value());
        }
    }

    @Test
    void benchCompareRunsBothModelsInOneProcess() {
        BenchmarkOptions options = BenchmarkOptions.defaults().withRuns(5).withWarmupRuns(1);
        ComparisonResult c = Benchmark.compare(int8.modelFile(), fp32.modelFile(), options, ProgressListener.NONE);
        assertThat(c.model().runs()).isEqualTo(5);
        assertThat(c.ratioP50()).isPositive().isFinite();
        assertThat(c.model().fileBytes()).isLessThan(c.other().fileBytes() / 3);
    }

    private static float[] run(Path model, EncodedBatch batch) throws OrtException {
        var env = OrtSessions.environment();
        try (OrtSession session = OrtSessions.open(model, RuntimeOptions.defaults().withIntraOpThreads(2));
             OnnxTensor ids = OnnxTensor.createTensor(env, batch.inputIds());
             OnnxTensor mask = OnnxTensor.createTensor(env, batch.attentionMask());
             OnnxTensor types = OnnxTensor.createTensor(env, batch.tokenTypeIds());
             OrtSession.Result result = session.run(Map.of("input_ids", ids, "attention_mask", mask, "token_type_ids", types))) {
            var buffer = ((OnnxTensor) result.get(0)).getFloatBuffer();
            float[] out = new float[buffer.remaining()];
            buffer.get(out);
            return out;
        }
    }
}
