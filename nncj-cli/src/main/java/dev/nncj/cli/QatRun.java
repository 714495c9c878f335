package dev.nncj.cli;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.quantize.QuantizationMode;
import dev.nncj.quantize.QuantizationResult;
import dev.nncj.quantize.QuantizeOptions;
import dev.nncj.train.QatOptions;
import dev.nncj.train.QuantizationAwareTraining;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** {@code nncj quantize --qat}: the options checked up front, then {@link QuantizationAwareTraining}. */
final class QatRun {
    private QatRun() {}

    /** Everything a user can get wrong, before the model is read. */
    static void check(QuantizationMode mode, Double maxDrop, TrainingOptions training) {
        if (mode != QuantizationMode.STATIC_INT8) {
            throw new NncjException("--qat trains for static-int8 only (give --mode static-int8), not " + mode.cliName());
        }
        if (maxDrop != null) {
            throw new NncjException("--qat and --max-drop cannot be combined");
        }
        if (training.data == null) {
            throw new NncjException("--qat needs --data TRAIN.tsv (labelled task data)");
        }
        if (!Files.isRegularFile(training.data)) {
            throw NncjException.inFile(training.data, "does not exist");
        }
    }

    static QuantizationResult run(Path input, QuantizeOptions options, TrainingOptions t, Path tokenizer,
            ProgressListener progress) {
        QatOptions qat;
        try {
            qat = QatOptions.defaults().withEpochs(t.epochs).withBatchSize(t.batchSize).withMaxLength(t.maxLength)
                    .withSeed(t.seed);
            if (t.learningRate != null) {
                qat = qat.withLearningRate(t.learningRate);
            }
            if (t.maxTrain != null) {
                qat = qat.withMaxTrainExamples(t.maxTrain);
            }
        } catch (IllegalArgumentException e) {
            throw new NncjException(e.getMessage());
        }
        return QuantizationAwareTraining.run(input, options, t.data, tokenizer, qat, progress, List.of()).export();
    }
}
