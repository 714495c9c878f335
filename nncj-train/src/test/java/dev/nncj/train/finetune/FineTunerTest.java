package dev.nncj.train.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.data.TextClassificationDataset;
import dev.nncj.data.TextTokenizer;
import dev.nncj.data.TinyTokenizer;
import dev.nncj.eval.EvalOptions;
import dev.nncj.eval.TextClassificationEval;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.TinyModels;
import dev.nncj.provenance.Provenance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class FineTunerTest {
    @TempDir
    Path dir;

    private static final String[] FILLER = {"the", "sat", "on", "mat", "a", "."};

    /** Sentences of filler words around one "cat" (label 1) or "dog" (label 0): separable by that word alone. */
    public static Path catsAndDogs(Path file, int rows, long seed) throws IOException {
        Random r = new Random(seed);
        StringBuilder tsv = new StringBuilder("sentence\tlabel\n");
        for (int i = 0; i < rows; i++) {
            boolean cat = r.nextBoolean();
            StringBuilder s = new StringBuilder();
            int words = 2 + r.nextInt(5);
            int at = r.nextInt(words);
            for (int w = 0; w < words; w++) {
                s.append(w == at ? (cat ? "cat" : "dog") : FILLER[r.nextInt(FILLER.length)]).append(' ');
            }
            tsv.append(s.toString().trim()).append('\t').append(cat ? 1 : 0).append('\n');
        }
        return Files.writeString(file, tsv);
    }

    private FineTuneOptions options() {
        return FineTuneOptions.defaults().withEpochs(12).withBatchSize(8).withLearningRate(0.05).withWeightDecay(0)
                .withEvalEvery(8).withPatience(0).withMaxLength(16);
    }

    private FineTuneResult tune(Path encoder, FineTuneOptions options) throws IOException {
        return FineTuner.run(encoder, dir.resolve("tokenizer.json"), dir.resolve("train.tsv"), dir.resolve("dev.tsv"),
                options, ProgressListener.NONE, List.of());
    }

    private Path setUp() throws IOException {
        TinyTokenizer.write(dir);
        catsAndDogs(dir.resolve("train.tsv"), 64, 1);
        catsAndDogs(dir.resolve("dev.tsv"), 40, 2);
        Path encoder = dir.resolve("encoder.onnx");
        OnnxFiles.save(TinyModels.tokenEmbedder(TinyTokenizer.VOCABULARY_SIZE, 0.3f), encoder);
        return encoder;
    }

    private double ortAccuracy(FineTuneResult result, String name) throws IOException {
        Path saved = dir.resolve(name);
        OnnxFiles.save(result.classifier(), saved);
        try (TextTokenizer tokenizer = TextTokenizer.load(dir.resolve("tokenizer.json"))) {
            return TextClassificationEval.run(saved, TextClassificationDataset.load(dir.resolve("dev.tsv")), tokenizer,
                    EvalOptions.defaults(), ProgressListener.NONE).value();
        }
    }

    /** The saved classifier, run by ONNX Runtime, gets the separable task right; the same seed repeats the run. */
    @Test
    void fineTunesASeparableTaskAndOrtAgreesAndTheSeedRepeatsIt() throws IOException {
        Path encoder = setUp();
        FineTuneResult first = tune(encoder, options());
        double accuracy = ortAccuracy(first, "first.onnx");
        assertThat(accuracy).isGreaterThanOrEqualTo(0.95);
        assertThat(accuracy).isEqualTo(first.bestEvalAccuracy());
        assertThat(first.classes()).isEqualTo(2);
        assertThat(first.steps()).isEqualTo(12 * 8);
        assertThat(first.losses()).hasSize(first.steps());
        assertThat(first.losses().get(first.losses().size() - 1)).isLessThan(first.losses().get(0));
        assertThat(first.classifier().metadata().get(Provenance.STEPS)).contains("\"finetune\"").contains("train.tsv")
                .contains("dev.tsv");

        FineTuneResult second = tune(encoder, options());
        assertThat(ortAccuracy(second, "second.onnx")).isEqualTo(accuracy);
        assertThat(second.losses()).isEqualTo(first.losses());
    }

    /** The steps after the last periodic evaluation are evaluated too, so a short run keeps real weights. */
    @Test
    void aRunShorterThanTheEvalIntervalIsEvaluatedAtTheEnd() throws IOException {
        Path encoder = setUp();
        FineTuneResult result = tune(encoder, options().withEpochs(1).withEvalEvery(1000));
        assertThat(result.bestStep()).isEqualTo(result.steps());
        assertThat(ortAccuracy(result, "short.onnx")).isEqualTo(result.bestEvalAccuracy());
    }

    @Test
    void labelsThatDoNotFitAndNonEncodersAreRefusedNamingTheFile() throws IOException {
        Path encoder = setUp();
        Files.writeString(dir.resolve("dev.tsv"), "sentence\tlabel\nthe cat\t2\n");
        assertThatThrownBy(() -> tune(encoder, options())).isInstanceOf(NncjException.class)
                .hasMessageContaining("dev.tsv").hasMessageContaining("label 2 never occurs in training");
        catsAndDogs(dir.resolve("dev.tsv"), 4, 2);
        Path mlp = dir.resolve("mlp.onnx");
        OnnxFiles.save(dev.nncj.onnx.TinyModels.linearRelu(), mlp);
        assertThatThrownBy(() -> tune(mlp, options())).isInstanceOf(NncjException.class)
                .hasMessageContaining("mlp.onnx").hasMessageContaining("is not an encoder");
    }
}
