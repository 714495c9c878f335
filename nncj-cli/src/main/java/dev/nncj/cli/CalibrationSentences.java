package dev.nncj.cli;

import dev.nncj.NncjException;
import dev.nncj.data.SentenceFile;
import java.nio.file.Path;
import java.util.List;

/** The sentences a command measures activations on: the first {@code --calibration-samples} of {@code --calibration-data}. */
final class CalibrationSentences {
    private CalibrationSentences() {}

    /** Refuses a count below 1 before reading, and a file without sentences, each in one line. */
    static List<String> read(Path file, int samples) {
        if (samples < 1) {
            throw new NncjException("--calibration-samples must be at least 1, got " + samples);
        }
        List<String> sentences = SentenceFile.read(file);
        if (sentences.isEmpty()) {
            throw NncjException.inFile(file, "no sentences to calibrate on");
        }
        return sentences.subList(0, Math.min(samples, sentences.size()));
    }
}
