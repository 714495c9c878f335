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
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real Chinese bge-small-zh-v1.5 (4 layers, hidden 512, 8 heads of 64, FFN 2048, 21,128-token
 * vocabulary): lifts, round-trips on Chinese and English sentences, and prunes and drops layers
 * to the sizes computed from its architecture.
 */
class BgeSmallZhIntegrationTest {
    private static final long PARAMETERS = 23_691_264L;
    private static final List<String> CHINESE = List.of("今天天气很好，我们去公园散步吧。", "这部电影非常精彩，我很喜欢。",
            "我不喜欢这个产品，质量太差了。", "北京是中华人民共和国的首都。", "机器学习模型可以被压缩。");

    @TempDir
    Path dir;

    @Test
    void liftsRoundTripsPrunesAndDropsLayersOfTheChineseBge() {
        ModelZoo.Fetched bge = ModelZoo.get("bge-small-zh-v1.5", dir.resolve("bge"), ProgressListener.NONE);
        OnnxModel model = OnnxFiles.load(bge.modelFile());
        EncoderSpec spec = EncoderLifter.lift(model, bge.modelFile());
        assertThat(spec.layers()).hasSize(4).allSatisfy(l -> {
            assertThat(l.attention().heads()).isEqualTo(8);
            assertThat(l.attention().headSize()).isEqualTo(64);
            assertThat(l.ffn().width()).isEqualTo(2048);
        });
        assertThat(spec.parameterCount()).isEqualTo(PARAMETERS).isEqualTo(model.graph().parameterCount());

        Path emitted = dir.resolve("roundtrip.onnx");
        OnnxFiles.save(EncoderEmitter.emit(spec, EmitOptions.defaults()), emitted);
        List<String> sentences = new ArrayList<>(CHINESE);
        sentences.addAll(SentenceFile.read(MiniLmIntegrationTest.SST2_TEST).subList(0, 27));
        double maxDiff = maxAbsDiff(bge, emitted, sentences);
        System.out.printf("bge-small-zh-v1.5 lift-emit round trip: max abs diff %.3g over %d sentences%n",
                maxDiff, sentences.size());
        assertThat(maxDiff).isLessThanOrEqualTo(1e-4);

        // half the heads and FFN neurons: per head 3 * (512*64 + 64) + 64*512 = 131,264;
        // per neuron 512 + 1 + 512 = 1,025; 4 layers x (4 heads + 1,024 neurons)
        var pruned = StructuredPruner.prune(spec, new StructuredPruneOptions(Optional.empty(),
                new HeadPlan.Fraction(0.5), 0.5, new MagnitudeImportance()));
        assertThat(EncoderEmitter.emit(pruned.spec(), EmitOptions.defaults()).graph().parameterCount())
                .isEqualTo(PARAMETERS - 4L * (4 * 131_264 + 1_024 * 1_025));
        // a 2-layer student of layers 0 and 3: two layers of 4 * (512*512 + 512) + 2 * 2 * 512 (LayerNorms)
        // + (512*2048 + 2048) + (2048*512 + 512) = 3,152,384 parameters each are gone
        var student = StructuredPruner.prune(spec, new StructuredPruneOptions(Optional.of(List.of(0, 3)),
                new HeadPlan.All(), 0, new MagnitudeImportance()));
        assertThat(EncoderEmitter.emit(student.spec(), EmitOptions.defaults()).graph().parameterCount())
                .isEqualTo(PARAMETERS - 2 * 3_152_384L);
    }

    private static double maxAbsDiff(ModelZoo.Fetched model, Path emitted, List<String> sentences) {
        double maxDiff = 0;
        try (TextTokenizer tokenizer = TextTokenizer.load(model.tokenizerFile());
             TextModelSession original = new TextModelSession(model.modelFile(), RuntimeOptions.defaults(), Optional.empty());
             TextModelSession copy = new TextModelSession(emitted, RuntimeOptions.defaults(), Optional.empty())) {
            for (int i = 0; i < sentences.size(); i += 16) {
                EncodedBatch batch = tokenizer.encode(sentences.subList(i, Math.min(sentences.size(), i + 16)));
                float[] a = original.run(batch).data();
                float[] b = copy.run(batch).data();
                for (int j = 0; j < a.length; j++) {
                    maxDiff = Math.max(maxDiff, Math.abs(a[j] - b[j]));
                }
            }
        }
        return maxDiff;
    }
}
