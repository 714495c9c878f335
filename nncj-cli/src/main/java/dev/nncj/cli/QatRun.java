package dev.nncj.cli;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.quantize.QuantizationMode;
import dev.nncj.quantize.QuantizationResult;
import dev.nncj.quantize.QuantizeOptions;
import dev.nncj.quantize.QuantizedTrainableForm;
import dev.nncj.train.distill.DistillOptions;
import dev.nncj.train.qat.QuantizationAwareTraining;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** {@code nncj quantize --qat}: the options checked up front, then {@link QuantizationAwareTraining}. */
final class QatRun {
    private QatRun() {}

    /** Everything a user can get wrong, before the model is read. */
    static void check(QuantizationMode mode, Double maxDrop, Path data) {
        if (!QuantizedTrainableForm.trains(mode)) {
            throw new NncjException("--qat trains for static-int8 and dynamic-int8 (give one as --mode), not " + mode.cliName());
        }
        if (maxDrop != null) {
            throw new NncjException("--qat and --max-drop cannot be combined");
        }
        if (data == null) {
            throw new NncjException("--qat needs --data TRAIN.tsv (labelled task data)");
        }
        if (!Files.isRegularFile(data)) {
            throw NncjException.inFile(data, "does not exist");
        }
    }

    /**
     * Distillation from the float classifier (or {@code teacher}) weighted as {@code distill} says (the recovery
     * preset's soft targets at T = 2 plus labels, and any layer terms).
     */
    static QuantizationResult run(Path input, Path teacher, QuantizeOptions options, Path data, DataFileOptions dataFile,
            DistillOptions distill, Path tokenizer, ProgressListener progress) {
        InputModel.check(input);
        if (teacher != null) {
            InputModel.check(teacher);
        }
        QuantizedTrainableForm.Factory factory = QuantizedTrainableForm.factory(options, progress);
        QuantizedTrainableForm[] form = new QuantizedTrainableForm[1];
        QuantizationAwareTraining.run(input, teacher == null ? input : teacher, (model, file) ->
                form[0] = factory.of(model, file), dataFile.distillData(data, null, tokenizer), distill, progress, List.of());
        return form[0].lastExport().orElseThrow();
    }
}
