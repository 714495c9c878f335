package dev.nncj.cli;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.quantize.QuantizationMode;
import dev.nncj.quantize.QuantizationResult;
import dev.nncj.quantize.QuantizeOptions;
import dev.nncj.quantize.StaticInt8TrainableForm;
import dev.nncj.train.distill.DistillOptions;
import dev.nncj.train.finetune.FineTuneOptions;
import dev.nncj.train.qat.QuantizationAwareTraining;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** {@code nncj quantize --qat}: the options checked up front, then {@link QuantizationAwareTraining}. */
final class QatRun {
    private QatRun() {}

    /** Everything a user can get wrong, before the model is read. */
    static void check(QuantizationMode mode, Double maxDrop, Path data) {
        if (mode != QuantizationMode.STATIC_INT8) {
            throw new NncjException("--qat trains for static-int8 only (give --mode static-int8), not " + mode.cliName());
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

    /** Distillation from the float classifier (or {@code teacher}) with the recovery preset's weights (soft targets at T = 2 plus labels). */
    static QuantizationResult run(Path input, Path teacher, QuantizeOptions options, Path data, DataFileOptions dataFile,
            FineTuneOptions training, Path tokenizer, ProgressListener progress) {
        InputModel.check(input);
        if (teacher != null) {
            InputModel.check(teacher);
        }
        DistillOptions distill = DistillOptions.recovery().withTraining(training);
        StaticInt8TrainableForm[] form = new StaticInt8TrainableForm[1];
        QuantizationAwareTraining.run(input, teacher == null ? input : teacher, (model, file) ->
                form[0] = StaticInt8TrainableForm.of(model, file, options, progress),
                dataFile.distillData(data, null, tokenizer), distill, progress, List.of());
        return form[0].lastExport().orElseThrow();
    }
}
