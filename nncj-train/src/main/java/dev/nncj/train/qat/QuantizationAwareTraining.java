package dev.nncj.train.qat;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.provenance.Provenance;
import dev.nncj.quantize.QuantizationMode;
import dev.nncj.quantize.QuantizationResult;
import dev.nncj.quantize.QuantizeOptions;
import dev.nncj.quantize.Quantizers;
import dev.nncj.quantize.StaticInt8Quantizer;
import dev.nncj.train.distill.DistillData;
import dev.nncj.train.distill.DistillOptions;
import dev.nncj.train.distill.DistillResult;
import dev.nncj.train.distill.DistillationRecovery;
import dev.nncj.train.distill.StudentSetup;
import dev.nncj.train.execution.TrainedWeights;
import dev.nncj.train.finetune.ClassifierHead;
import dev.nncj.train.trainer.TrainingListener;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Quantization-aware training into the static-int8 QDQ form (Jacob et al. 2018; for BERT, Zafrir
 * et al.'s Q8BERT 2019), starting from a calibrated model:
 * <ol>
 * <li>calibrate activation ranges on the float classifier ({@link StaticInt8Quantizer#calibrate});</li>
 * <li>train the fake-quantized form ({@link StaticInt8Quantizer#fakeQuantized}: the export's Q/DQ at
 *     the same activations with those fixed ranges, weights fake-quantized per channel with the
 *     straight-through estimator, the embedding table as the export stores it) on the task data,
 *     the float model as teacher ({@link DistillationRecovery});</li>
 * <li>copy the trained float weights into the float model and export it with
 *     {@link StaticInt8Quantizer#quantizeWithRanges} and the same ranges: exactly the QDQ model
 *     static-int8 quantization writes, with the trained weights.</li>
 * </ol>
 */
public final class QuantizationAwareTraining {
    private QuantizationAwareTraining() {}

    /** The trained, exported model and what training did. */
    public record Result(QuantizationResult export, int steps, List<Double> losses) {}

    /**
     * Calibrates {@code classifier} on {@code quantize}'s calibration data, trains its fake-quantized
     * form on {@code data} by distillation from the float classifier ({@link DistillationRecovery},
     * weighted by {@code options}), and exports the trained weights in the static-int8 QDQ form.
     */
    public static Result run(Path classifier, QuantizeOptions quantize, DistillData data, DistillOptions options,
            ProgressListener progress, List<TrainingListener> listeners) {
        return run(classifier, classifier, quantize, data, options, progress, listeners);
    }

    /**
     * As {@link #run(Path, QuantizeOptions, DistillData, DistillOptions, ProgressListener, List)}, distilling
     * from {@code teacher} instead of the float classifier: in a chain of compressions, the first and larger
     * model the classifier itself was compressed from.
     */
    public static Result run(Path classifier, Path teacherFile, QuantizeOptions quantize, DistillData data,
            DistillOptions options, ProgressListener progress, List<TrainingListener> listeners) {
        if (quantize.mode() != QuantizationMode.STATIC_INT8) {
            throw new NncjException("quantization-aware training exports static-int8 only, not " + quantize.mode().cliName());
        }
        OnnxModel teacher = OnnxFiles.load(classifier);
        Quantizers.refuseQuantized(teacher, classifier);
        if (!teacher.graph().isGraphOutput(ClassifierHead.LOGITS)) {
            throw NncjException.inFile(classifier, "has no " + ClassifierHead.LOGITS
                    + " output; quantization-aware training needs a classifier (fine-tune the encoder first)");
        }
        Map<String, float[]> ranges = StaticInt8Quantizer.calibrate(teacher, quantize, progress);
        OnnxModel training = StaticInt8Quantizer.fakeQuantized(OnnxFiles.load(classifier), quantize, ranges);
        OnnxModel distilledFrom = teacherFile.equals(classifier) ? teacher : OnnxFiles.load(teacherFile);
        DistillResult trained = new DistillationRecovery(distilledFrom, data, options, progress).run(training,
                StudentSetup.standard(), listeners);
        OnnxModel weights = OnnxFiles.load(classifier);
        TrainedWeights.copy(trained.student(), weights);
        QuantizationResult export = StaticInt8Quantizer.quantizeWithRanges(weights, quantize, ranges);
        Map<String, Object> recorded = new LinkedHashMap<>(options.training().asMap());
        recorded.put("soft_weight", options.softWeight());
        recorded.put("temperature", options.temperature());
        recorded.put("hard_weight", options.hardWeight());
        recorded.put("train", data.train().file().getFileName().toString());
        recorded.put("teacher", teacherFile.getFileName().toString());
        recorded.put("calibration_sentences", quantize.calibration().map(c -> c.sentences().size()).orElse(0));
        recorded.put("per_channel", quantize.perChannel());
        recorded.put("symmetric", quantize.symmetric());
        Provenance.record(export.model(), classifier, "qat", recorded);
        return new Result(export, trained.steps(), trained.losses());
    }
}
