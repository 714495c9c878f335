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
import java.util.function.Supplier;

/**
 * Quantization-aware training (Jacob et al. 2018; for BERT, Zafrir et al.'s Q8BERT 2019) of a
 * classifier in the form a quantization method gives ({@link TrainableForm}; static and dynamic
 * int8's are {@code dev.nncj.quantize.QuantizedTrainableForm}s):
 * <ol>
 * <li>the method builds its trainable form of the float classifier (static int8 calibrates the
 *     activation ranges and fake-quantizes at them; dynamic int8 fake-quantizes each activation over
 *     its own range; weights per channel; gradients by the straight-through estimator);</li>
 * <li>that form is trained on the task data, the float model as teacher
 *     ({@link DistillationRecovery});</li>
 * <li>the trained float weights are copied into the float model and the method exports it: for
 *     static int8, exactly the QDQ model static-int8 quantization writes, with the trained weights
 *     (dynamic int8 likewise).</li>
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
        OnnxModel distilledFrom = teacherFile.equals(classifier) ? teacher : OnnxFiles.load(teacherFile);
        Trained trained = train(() -> OnnxFiles.load(classifier), classifier, form,
                new DistillationRecovery(distilledFrom, data, options, progress), listeners);
        OnnxModel export = trained.result().model();
        Map<String, Object> recorded = new LinkedHashMap<>(options.training().asMap());
        recorded.put("soft_weight", options.softWeight());
        recorded.put("temperature", options.temperature());
        recorded.put("hard_weight", options.hardWeight());
        if (options.needsLayers()) {
            recorded.put("hidden_weight", options.hiddenWeight());
            recorded.put("attention_weight", options.attentionWeight());
        }
        recorded.put("train", data.train().file().getFileName().toString());
        recorded.put("teacher", teacherFile.getFileName().toString());
        recorded.putAll(trained.form().recorded());
        Provenance.record(export, classifier, "qat", recorded);
        return trained.result();
    }

    /**
     * The three steps on a float classifier in memory: {@code floatModel} gives a fresh copy each call
     * (one becomes the trainable form, one takes the trained weights), {@code file} names it in a
     * refusal, and {@code recovery} (teacher, data, weights and checkpoints) trains the form.
     */
    public static Result run(Supplier<OnnxModel> floatModel, Path file, TrainableForm.Factory form,
            DistillationRecovery recovery, List<TrainingListener> listeners) {
        return train(floatModel, file, form, recovery, listeners).result();
    }

    private record Trained(Result result, TrainableForm form) {}

    private static Trained train(Supplier<OnnxModel> floatModel, Path file, TrainableForm.Factory form,
            DistillationRecovery recovery, List<TrainingListener> listeners) {
        TrainableForm trainable = form.of(floatModel.get(), file);
        DistillResult trained = recovery.run(trainable.trainingGraph(), StudentSetup.standard(), listeners);
        OnnxModel weights = floatModel.get();
        TrainedWeights.copy(trained.student(), weights);
        return new Trained(new Result(trainable.export(weights), trained.steps(), trained.losses()), trainable);
    }
}
