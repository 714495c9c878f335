package dev.nncj;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nncj.calibration.CalibrationData;
import dev.nncj.data.SentenceFile;
import dev.nncj.data.TinyTokenizer;
import dev.nncj.onnx.NodeFilter;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.quantize.QuantizationMode;
import dev.nncj.quantize.QuantizeOptions;
import dev.nncj.quantize.Quantizers;
import dev.nncj.sparsity.NncjContainer;
import dev.nncj.sparsity.PruningPattern;
import dev.nncj.sparsity.Sparsifier;
import dev.nncj.sparsity.SparsifyOptions;
import dev.nncj.sparsity.Storage;
import dev.nncj.transformer.EmitOptions;
import dev.nncj.transformer.EncoderEmitter;
import dev.nncj.transformer.EncoderLifter;
import dev.nncj.transformer.EncoderSpec;
import dev.nncj.transformer.HeadPlan;
import dev.nncj.transformer.MagnitudeImportance;
import dev.nncj.transformer.StructuredPruneOptions;
import dev.nncj.transformer.StructuredPruneResult;
import dev.nncj.transformer.StructuredPruner;
import dev.nncj.transformer.TinyEncoders;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's "compression from Java" example, statement for statement, on a tiny encoder instead of MiniLM. */
class CompressionApiExampleTest {
    @TempDir
    Path dir;

    @Test
    void theReadmeExampleRuns() throws Exception {
        Path fp32 = dir.resolve("model.onnx");
        OnnxFiles.save(TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L), false), fp32);
        Path tokenizer = TinyTokenizer.write(dir);
        Path train = Files.writeString(dir.resolve("train.tsv"), "sentence\tlabel\nthe cat sat\t1\na dog\t0\n");
        Path work = Files.createDirectories(dir.resolve("work"));

        OnnxModel int8 = OnnxFiles.load(fp32);
        Quantizers.quantize(int8, fp32, QuantizeOptions.defaults(QuantizationMode.DYNAMIC_INT8), ProgressListener.NONE);
        OnnxFiles.save(int8, work.resolve("minilm-int8.onnx"));

        OnnxModel sparse = OnnxFiles.load(fp32);
        CalibrationData sentences = new CalibrationData.Sentences(SentenceFile.read(train).subList(0, 2),
                tokenizer, Sparsifier.CALIBRATION_BATCH_SIZE);
        SparsifyOptions half = new SparsifyOptions(new PruningPattern.Magnitude(0.5, PruningPattern.Scope.PER_LAYER),
                NodeFilter.all(), false, Storage.DENSE);
        Sparsifier.sparsify(sparse, fp32, half.withInputMeanSquares(
                Sparsifier.inputMeanSquares(sparse, half.filter(), sentences, ProgressListener.NONE)));
        NncjContainer.write(sparse, work.resolve("minilm-sparse.nncj"));

        EncoderSpec encoder = EncoderLifter.lift(OnnxFiles.load(fp32), fp32);
        StructuredPruneResult pruned = StructuredPruner.prune(encoder, new StructuredPruneOptions(
                Optional.empty(), new HeadPlan.Fraction(0.5), 0.5, new MagnitudeImportance()));
        OnnxFiles.save(EncoderEmitter.emit(pruned.spec(), EmitOptions.defaults()), work.resolve("minilm-pruned.onnx"));

        assertThat(OnnxFiles.load(work.resolve("minilm-int8.onnx")).graph().nodes())
                .anyMatch(n -> n.opType().contains("Integer") || n.opType().startsWith("DynamicQuantize"));
        assertThat(NncjContainer.read(work.resolve("minilm-sparse.nncj")).graph().parameterCount())
                .isEqualTo(OnnxFiles.load(fp32).graph().parameterCount());
        assertThat(pruned.parametersAfter()).isLessThan(pruned.parametersBefore());
    }
}
