package dev.nncj.zoo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nncj.ProgressListener;
import dev.nncj.data.EncodedBatch;
import dev.nncj.data.SentenceFile;
import dev.nncj.data.TextTokenizer;
import dev.nncj.eval.TextModelSession;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.runtime.RuntimeOptions;
import dev.nncj.transformer.EmitOptions;
import dev.nncj.transformer.EncoderEmitter;
import dev.nncj.transformer.EncoderLifter;
import dev.nncj.transformer.EncoderSpec;
import dev.nncj.transformer.HeadPlan;
import dev.nncj.transformer.MagnitudeImportance;
import dev.nncj.transformer.StructuredPruneOptions;
import dev.nncj.transformer.StructuredPruner;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Transformer surgery on the real all-MiniLM-L6-v2 (PyTorch 2.0.1 export, opset 11) and SST-2. */
class MiniLmSurgeryIntegrationTest {
    @TempDir
    Path dir;

    @Test
    void liftsMiniLmReemitsItWithin1e4AndPrunesExactlyTheRemovedRowsAndColumns() {
        ModelZoo.Fetched minilm = ModelZoo.get("all-minilm-l6-v2", dir.resolve("minilm"), ProgressListener.NONE);
        OnnxModel model = OnnxFiles.load(minilm.modelFile());
        EncoderSpec spec = EncoderLifter.lift(model, minilm.modelFile());
        assertThat(spec.layers()).hasSize(6).allSatisfy(l -> {
            assertThat(l.attention().heads()).isEqualTo(12);
            assertThat(l.attention().headSize()).isEqualTo(32);
            assertThat(l.ffn().width()).isEqualTo(1536);
        });
        assertThat(spec.parameterCount()).isEqualTo(22_565_376L);

        Path emitted = dir.resolve("roundtrip.onnx");
        OnnxFiles.save(EncoderEmitter.emit(spec, EmitOptions.defaults()), emitted);
        double maxDiff = 0;
        List<String> sentences = SentenceFile.read(MiniLmIntegrationTest.SST2_TEST);
        try (TextTokenizer tokenizer = TextTokenizer.load(minilm.tokenizerFile());
             TextModelSession original = new TextModelSession(minilm.modelFile(), RuntimeOptions.defaults(), Optional.empty());
             TextModelSession copy = new TextModelSession(emitted, RuntimeOptions.defaults(), Optional.empty())) {
            for (int i = 0; i < sentences.size(); i += 32) {
                EncodedBatch batch = tokenizer.encode(sentences.subList(i, Math.min(sentences.size(), i + 32)));
                float[] a = original.run(batch).data();
                float[] b = copy.run(batch).data();
                for (int j = 0; j < a.length; j++) {
                    maxDiff = Math.max(maxDiff, Math.abs(a[j] - b[j]));
                }
            }
        }
        System.out.printf("MiniLM lift-emit round trip: max abs diff %.3g over %d SST-2 test sentences%n",
                maxDiff, sentences.size());
        assertThat(maxDiff).isLessThanOrEqualTo(1e-4);

        // half the heads and half the FFN neurons: per head 3 * (384*32 + 32) + 32*384 = 49,248,
        // per neuron 384 + 1 + 384 = 769; 6 layers x (6 heads + 768 neurons)
        var pruned = StructuredPruner.prune(spec, new StructuredPruneOptions(Optional.empty(),
                new HeadPlan.Fraction(0.5), 0.5, new MagnitudeImportance()));
        long expected = 6L * (6 * 49_248 + 768 * 769);
        assertThat(EncoderEmitter.emit(pruned.spec(), EmitOptions.defaults()).graph().parameterCount())
                .isEqualTo(22_565_376L - expected);
    }
}
