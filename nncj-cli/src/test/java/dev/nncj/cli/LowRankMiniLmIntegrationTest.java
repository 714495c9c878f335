package dev.nncj.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nncj.ProgressListener;
import dev.nncj.data.SentenceFile;
import dev.nncj.data.TextTokenizer;
import dev.nncj.data.TokenizerOptions;
import dev.nncj.eval.EmbeddingFidelityEval;
import dev.nncj.eval.EvalOptions;
import dev.nncj.lowrank.FactorizeOptions;
import dev.nncj.lowrank.FactorizeResult;
import dev.nncj.lowrank.Factorizer;
import dev.nncj.lowrank.RankPlan;
import dev.nncj.lowrank.RankRule;
import dev.nncj.onnx.NodeFilter;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.runtime.ModelFiles;
import dev.nncj.share.CrossLayerOptions;
import dev.nncj.share.CrossLayerSharing;
import dev.nncj.share.SharedModel;
import dev.nncj.zoo.ModelZoo;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sharing and factorization on the real all-MiniLM-L6-v2, composed: 6 layers shared in 2 groups
 * store 2 layers' weights, so the file is about (embeddings + 2 layers) / (embeddings + 6 layers) =
 * 0.685 of the original; then each FFN weight, now read by 3 layers, is factorized once (4 SVDs, not
 * 12), and at full rank ONNX Runtime computes what the shared model computes.
 */
class LowRankMiniLmIntegrationTest {
    @TempDir
    Path dir;

    @Test
    void sharedInTwoGroupsThenFactorizedAtFullRankRunsInOrtAndKeepsTheSharedOutputs() throws Exception {
        ModelZoo.Fetched minilm = ModelZoo.get("all-minilm-l6-v2", dir.resolve("fp32"), ProgressListener.NONE);
        SharedModel shared = CrossLayerSharing.share(OnnxFiles.load(minilm.modelFile()), minilm.modelFile(),
                CrossLayerOptions.of(2, "first"));
        Path sharedFile = dir.resolve("shared.onnx");
        OnnxFiles.save(shared.model(), sharedFile);
        assertThat(shared.sharing().layerParametersAfter() * 3).isEqualTo(shared.sharing().layerParametersBefore());
        assertThat((double) ModelFiles.totalBytes(sharedFile) / ModelFiles.totalBytes(minilm.modelFile()))
                .isBetween(0.68, 0.69);

        OnnxModel factorized = shared.model(); // saved above: factorized in place
        RankPlan ffn = new RankPlan(Optional.empty(), List.of(RankPlan.Override.parse(".*ffn\\.(up|down).*=1.0")));
        FactorizeResult r = Factorizer.factorize(factorized, sharedFile,
                new FactorizeOptions(ffn, NodeFilter.all(), OptionalInt.empty(), true), ProgressListener.NONE);
        assertThat(r.factorized()).hasSize(4).allSatisfy(f -> assertThat(f.nodes()).hasSize(3));
        Path factorizedFile = dir.resolve("factorized.onnx");
        OnnxFiles.save(factorized, factorizedFile);

        List<String> sentences = SentenceFile.read(Path.of("../data/sst2/test.tsv")).subList(0, 16); // shipped in the repository
        try (TextTokenizer tokenizer = TextTokenizer.load(minilm.tokenizerFile(), TokenizerOptions.defaults())) {
            double cosine = EmbeddingFidelityEval.run(factorizedFile, sharedFile, sentences, tokenizer, EvalOptions.defaults(),
                    ProgressListener.NONE).value();
            // full-rank float32 factors: the same function up to rounding
            assertThat(cosine).isGreaterThan(0.9999);
        }
    }
}
