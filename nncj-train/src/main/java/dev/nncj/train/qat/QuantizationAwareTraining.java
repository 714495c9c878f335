package dev.nncj.train.qat;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.provenance.Provenance;
import dev.nncj.training.TrainableForm;
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
 * Quantization-aware training (Jacob et al. 2018; for BERT, Zafrir et al.'s Q8BERT 2019) of a
 * classifier in the form a quantization method gives ({@link TrainableForm}; static int8's is
 * {@code dev.nncj.quantize.StaticInt8TrainableForm}):
 * <ol>
 * <li>the method builds its trainable form of the float classifier (static int8 calibrates the
 *     activation ranges and fake-quantizes at them, weights per channel with the straight-through
 *     estimator);</li>
 * <li>that form is trained on the task data, the float model as teacher
 *     ({@link DistillationRecovery});</li>
 * <li>the trained float weights are copied into the float model and the method exports it: for
 *     static int8, exactly the QDQ model static-int8 quantization writes, with the trained weights.</li>
 * </ol>
 */
public final class QuantizationAwareTraining {
    private QuantizationAwareTraining() {}

    /** The trained, exported model and what training did. */
    public record Result(OnnxModel model, int steps, List<Double> losses) {}

    /**
     * Builds {@code form}'s trainable form of {@code classifier}, trains it on {@code data} by
     * distillation from the float classifier ({@link DistillationRecovery}, weighted by
     * {@code options}), and exports the trained weights in the form's written shape.
     */
    public static Result run(Path classifier, TrainableForm.Factory form, DistillData data, DistillOptions options,
            ProgressListener progress, List<TrainingListener> listeners) {
        return run(classifier, classifier, form, data, options, progress, listeners);
    }

    /**
     * As {@link #run(Path, TrainableForm.Factory, DistillData, DistillOptions, ProgressListener, List)},
     * distilling from {@code teacher} instead of the float classifier: in a chain of compressions, the
     * first and larger model the classifier itself was compressed from.
     */
    public static Result run(Path classifier, Path teacherFile, TrainableForm.Factory form, DistillData data,
            DistillOptions options, ProgressListener progress, List<TrainingListener> listeners) {
        OnnxModel teacher = OnnxFiles.load(classifier);
        if (!teacher.graph().isGraphOutput(ClassifierHead.LOGITS)) {
            throw NncjException.inFile(classifier, "has no " + ClassifierHead.LOGITS
                    + " output; quantization-aware training needs a classifier (fine-tune the encoder first)");
        }
        TrainableForm trainable = form.of(OnnxFiles.load(classifier), classifier);
        OnnxModel distilledFrom = teacherFile.equals(classifier) ? teacher : OnnxFiles.load(teacherFile);
        DistillResult trained = new DistillationRecovery(distilledFrom, data, options, progress).run(
                trainable.trainingGraph(), StudentSetup.standard(), listeners);
        OnnxModel weights = OnnxFiles.load(classifier);
        TrainedWeights.copy(trained.student(), weights);
        OnnxModel export = trainable.export(weights);
        Map<String, Object> recorded = new LinkedHashMap<>(options.training().asMap());
        recorded.put("soft_weight", options.softWeight());
        recorded.put("temperature", options.temperature());
        recorded.put("hard_weight", options.hardWeight());
        recorded.put("train", data.train().file().getFileName().toString());
        recorded.put("teacher", teacherFile.getFileName().toString());
        recorded.putAll(trainable.recorded());
        Provenance.record(export, classifier, "qat", recorded);
        return new Result(export, trained.steps(), trained.losses());
    }
}
