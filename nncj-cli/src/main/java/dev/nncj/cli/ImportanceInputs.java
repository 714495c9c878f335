package dev.nncj.cli;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.data.TextClassificationDataset;
import dev.nncj.transformer.ImportanceData;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/**
 * The data {@code prune}'s options offer an importance criterion, read only when the criterion asks
 * for it; a criterion that needs data the command line did not give fails naming the flag to add.
 */
final class ImportanceInputs implements ImportanceData {
    private final String criterion;
    private final Path calibrationData;
    private final Path labelledData;
    private final int samples;
    private final Supplier<Path> tokenizer;
    private final DataFileOptions dataFile;
    private final TrainingOptions training;
    private final ProgressListener progress;

    /**
     * @param calibrationData --calibration-data (may be null), {@code samples} sentences of it
     * @param labelledData --data (may be null), its first {@code samples} examples
     */
    ImportanceInputs(String criterion, Path calibrationData, Path labelledData, int samples, Supplier<Path> tokenizer,
            DataFileOptions dataFile, TrainingOptions training, ProgressListener progress) {
        this.dataFile = dataFile;
        this.criterion = criterion;
        this.calibrationData = calibrationData;
        this.labelledData = labelledData;
        this.samples = samples;
        this.tokenizer = tokenizer;
        this.training = training;
        this.progress = progress;
    }

    @Override
    public long seed() {
        return training.seed;
    }

    @Override
    public List<String> sentences() {
        if (calibrationData == null) {
            throw new NncjException("--importance " + criterion + " needs --calibration-data FILE");
        }
        return CalibrationSentences.read(calibrationData, samples);
    }

    @Override
    public TextClassificationDataset labelled() {
        if (labelledData == null) {
            throw new NncjException("--importance " + criterion + " needs --data TRAIN.tsv (labelled task data)");
        }
        TextClassificationDataset labelled = dataFile.labelled(labelledData);
        return labelled.firstN(Math.min(samples, labelled.size()));
    }

    @Override
    public Path tokenizer() {
        return tokenizer.get();
    }

    @Override
    public int batchSize() {
        return training.batchSize;
    }

    @Override
    public int maxLength() {
        return training.maxLength;
    }

    @Override
    public ProgressListener progress() {
        return progress;
    }
}
