package dev.nncj.train.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.data.TextClassificationDataset;
import dev.nncj.data.TextTokenizer;
import dev.nncj.data.TokenizerOptions;
import dev.nncj.onnx.Domains;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.ValueInfos;
import dev.nncj.provenance.Provenance;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import dev.nncj.train.execution.ExecutorOptions;
import dev.nncj.train.execution.OnnxExecutor;
import dev.nncj.train.finetune.ClassifierHead;
import dev.nncj.train.finetune.FineTuneOptions;
import dev.nncj.train.finetune.TextBatches;
import dev.nncj.train.trainer.Batch;
import dev.nncj.train.trainer.ClassificationAccuracy;
import dev.nncj.train.trainer.EarlyStopping;
import dev.nncj.train.trainer.KeptWeights;
import dev.nncj.train.trainer.Loss;
import dev.nncj.train.trainer.StepProgress;
import dev.nncj.train.trainer.Trainer;
import dev.nncj.train.trainer.TrainerOptions;
import dev.nncj.train.trainer.TrainingDivergedException;
import dev.nncj.train.trainer.TrainingListener;
import dev.nncj.transformer.EncoderLifter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.TreeMap;

/**
 * Knowledge distillation: trains a student classifier to match one or more teachers (soft
 * targets), the labels (hard targets), and the teacher's per-layer hidden states and attention
 * distributions, as {@link DistillOptions} weighs them. Everything a user can get wrong (a student
 * whose outputs do not match the teacher's, a layer mapping out of range, labels the head cannot
 * hold, hard labels asked of unlabeled text) fails with one line before the first step. A loss that
 * turns NaN or infinite stops the run naming the step and where the last good weights are (the
 * latest checkpoint's model, when the run keeps checkpoints).
 *
 * <p>Recovering a compressed model is {@link DistillationRecovery}: teacher = the original, student = the
 * compressed copy, soft plus hard targets.
 */
public final class Distiller {
    private Distiller() {}

    /**
     * Trains {@code student} on {@code data} against {@code teachers}; the student's initializers
     * receive the trained weights (the result may be that model or a re-emitted copy of it). Steps go
     * to {@code progress}, losses and evaluations to {@code listeners}.
     */
    public static DistillResult distill(List<OnnxModel> teachers, OnnxModel student, DistillData data,
            DistillOptions options, ProgressListener progress, List<TrainingListener> listeners) {
        return distill(teachers, student, StudentSetup.standard(), data, options, progress, listeners);
    }

    /** As {@link #distill(List, OnnxModel, DistillData, DistillOptions, ProgressListener, List)}, the student run as {@code setup} says. */
    static DistillResult distill(List<OnnxModel> teachers, OnnxModel student, StudentSetup setup, DistillData data,
            DistillOptions options, ProgressListener progress, List<TrainingListener> listeners) {
        if (teachers.isEmpty()) {
            throw new IllegalArgumentException("distillation needs at least one teacher");
        }
        FineTuneOptions training = options.training();
        DistillTexts train = trainingTexts(data, options);
        String logits = logitsOutput(teachers.get(0));
        checkLabels(train, data.eval(), checkComparable(teachers, student, logits));
        LayerPairs layers = pairLayers(teachers.get(0), student, options);
        List<OnnxModel> ensemble = new ArrayList<>(teachers);
        ensemble.set(0, layers.teacher());
        List<OnnxExecutor> teacherExecutors = new ArrayList<>();
        try (TextTokenizer tokenizer = TextTokenizer.load(data.tokenizer(),
                        TokenizerOptions.defaults().withMaxLength(training.maxLength()));
                OnnxExecutor executor = OnnxExecutor.create(layers.student(), setup.execution())) {
            for (OnnxModel t : ensemble) {
                // teachers only infer: no parameter needs a gradient
                teacherExecutors.add(OnnxExecutor.create(t, ExecutorOptions.defaults().freezing("")));
            }
            DistillationLoss loss = new DistillationLoss(new TeacherEnsemble(teacherExecutors, logits), options, logits,
                    layers.hidden(), layers.attention());
            List<Batch> batches = train.batches(tokenizer, training.batchSize(), executor.inputNames());
            probe(executor, loss, batches.get(0), layers.student());
            Optional<ClassificationAccuracy> accuracy = data.eval().map(e -> new ClassificationAccuracy(
                    TextBatches.of(e, tokenizer, training.batchSize(), executor.inputNames()), logits));
            int total = training.epochs() * batches.size();
            TrainerOptions trainerOptions = training.trainerOptions(total);
            List<TrainingListener> all = new ArrayList<>(listeners);
            all.add(new StepProgress(progress));
            progress.start("distilling", total);
            try (Trainer trainer = new Trainer(executor, loss, trainerOptions, all)) {
                accuracy.ifPresent(a -> trainer.evaluateWith(a, evaluations(training, setup, total)));
                // the checkpoints double as what survives a divergence
                trainer.keepCheckpoints(training.checkpoints(), training.evalEvery());
                fit(trainer, batches, training, progress);
                DistillResult result = keptWeights(trainer, executor, accuracy, training, listeners, layers.map());
                recordProvenance(result.student(), teachers, student, train, data, options, layers.map(), result.steps());
                return result;
            }
        } finally {
            teacherExecutors.forEach(OnnxExecutor::close);
        }
    }

    /** The training texts (the first {@code maxTrainExamples} when limited); hard labels need labelled ones. */
    private static DistillTexts trainingTexts(DistillData data, DistillOptions options) {
        FineTuneOptions training = options.training();
        DistillTexts train = training.maxTrainExamples().isPresent()
                ? data.train().firstN(training.maxTrainExamples().getAsInt()) : data.train();
        if (options.hardWeight() > 0 && !train.isLabeled()) {
            throw NncjException.inFile(train.file(), "has no label column, so the teacher labels it: the hard-label weight"
                    + " must be 0 (it is " + options.hardWeight() + ")");
        }
        return train;
    }

    /**
     * The teacher and student the loss reads and the layer values it compares: with a hidden-state or
     * attention term, both in emitted form (where {@link LayerValues} finds each layer's outputs), the
     * layer map and the value pairs of each term; without one, the models as given and no pairs.
     */
    private record LayerPairs(OnnxModel teacher, OnnxModel student, Map<Integer, Integer> map,
            Map<String, String> hidden, Map<String, String> attention) {}

    private static LayerPairs pairLayers(OnnxModel teacher, OnnxModel student, DistillOptions options) {
        if (!options.needsLayers()) {
            return new LayerPairs(teacher, student, Map.of(), Map.of(), Map.of());
        }
        OnnxModel emittedTeacher = emittedForm(teacher, "teacher");
        OnnxModel emittedStudent = emittedForm(student, "student");
        LayerValues t = LayerValues.find(emittedTeacher.graph()).orElseThrow();
        LayerValues s = LayerValues.find(emittedStudent.graph()).orElseThrow();
        Map<Integer, Integer> map = options.layerMap().orElseGet(() -> uniformMap(s.layers(), t.layers()));
        checkLayerMap(map, s.layers(), t.layers());
        if (options.attentionWeight() > 0 && (t.attention().isEmpty() || s.attention().isEmpty())) {
            throw NncjException.inFile(file(t.attention().isEmpty() ? emittedTeacher : emittedStudent, "model"),
                    "has no per-layer attention Softmax (fused attention?): the attention term cannot read it");
        }
        return new LayerPairs(emittedTeacher, emittedStudent, map,
                options.hiddenWeight() > 0 ? pairs(map, s.hidden(), t.hidden()) : Map.of(),
                options.attentionWeight() > 0 ? pairs(map, s.attention(), t.attention()) : Map.of());
    }

    /** Evaluations every {@code evalEvery} steps, counted as a best only from the setup's first evaluated step on. */
    private static EarlyStopping evaluations(FineTuneOptions training, StudentSetup setup, int total) {
        return new EarlyStopping(training.evalEvery(), training.patience(), true,
                Math.max(0, Math.min(setup.firstEvaluatedStep().applyAsInt(total), total)));
    }

    /** Trains; a loss that diverges stops the run with one line saying where the last good weights are. */
    private static void fit(Trainer trainer, List<Batch> batches, FineTuneOptions training, ProgressListener progress) {
        try {
            trainer.fit(batches, training.epochs());
        } catch (TrainingDivergedException e) {
            throw new NncjException(e.getMessage() + "; " + trainer.lastCheckpointModel()
                    .map(m -> "the last good weights are kept in " + m)
                    .orElse("no weights were kept (" + (training.checkpoints().enabled()
                            ? "the first checkpoint would have been after step " + training.evalEvery()
                            : "the run keeps no checkpoints") + ")"), e);
        } finally {
            progress.finish();
        }
    }

    /**
     * The run's result, its weights written into the student's model: the best evaluated ones when
     * there is evaluation data ({@link KeptWeights}), else the last step's.
     */
    private static DistillResult keptWeights(Trainer trainer, OnnxExecutor executor,
            Optional<ClassificationAccuracy> accuracy, FineTuneOptions training, List<TrainingListener> listeners,
            Map<Integer, Integer> layerMap) {
        if (accuracy.isPresent()) {
            KeptWeights best = KeptWeights.choose(trainer, executor, accuracy.get(), training.evalEvery(), listeners);
            return new DistillResult(best.model(), trainer.steps(), best.step(), OptionalDouble.of(best.accuracy()),
                    trainer.stoppedEarly(), trainer.losses(), layerMap);
        }
        executor.writeParameters(executor.model());
        return new DistillResult(executor.model(), trainer.steps(), trainer.steps(), OptionalDouble.empty(),
                trainer.stoppedEarly(), trainer.losses(), layerMap);
    }

    /** The teacher's class output: "logits" when it has one, else its only output. */
    static String logitsOutput(OnnxModel teacher) {
        List<String> outputs = teacher.graph().outputs().stream().map(ValueInfoProto::getName).toList();
        if (outputs.contains(ClassifierHead.LOGITS)) {
            return ClassifierHead.LOGITS;
        }
        if (outputs.size() != 1) {
            throw NncjException.inFile(file(teacher, "teacher"), "is not a classifier: no " + ClassifierHead.LOGITS
                    + " output and " + outputs.size() + " outputs " + outputs);
        }
        return outputs.get(0);
    }

    /**
     * Every teacher and the student output {@code logits} as [batch, classes] with the same class
     * count (when the graphs state it); returns that count, or -1 when no graph states it.
     */
    private static int checkComparable(List<OnnxModel> teachers, OnnxModel student, String logits) {
        int classes = classes(teachers.get(0), logits, "teacher");
        for (OnnxModel t : teachers.subList(1, teachers.size())) {
            int c = classes(t, logits, "teacher");
            if (c != classes && c > 0 && classes > 0) {
                throw NncjException.inFile(file(t, "teacher"), "has " + c + " classes, the first teacher " + classes
                        + ": the teachers of an ensemble must share their classes");
            }
        }
        List<String> outputs = student.graph().outputs().stream().map(ValueInfoProto::getName).toList();
        if (!outputs.contains(logits)) {
            throw NncjException.inFile(file(student, "student"), "has outputs " + outputs + ", none comparable with the"
                    + " teacher's " + logits);
        }
        int c = classes(student, logits, "student");
        if (c > 0 && classes > 0 && c != classes) {
            throw NncjException.inFile(file(student, "student"), "has " + c + " classes, the teacher " + classes
                    + ": their outputs cannot be compared");
        }
        return classes > 0 ? classes : c;
    }

    private static int classes(OnnxModel model, String logits, String role) {
        ValueInfoProto out = model.graph().outputs().stream().filter(v -> v.getName().equals(logits)).findFirst()
                .orElseThrow(() -> NncjException.inFile(file(model, role), "has no output " + logits));
        List<String> dims = ValueInfos.dims(out);
        if (dims != null && dims.size() != 2) {
            throw NncjException.inFile(file(model, role), "output " + logits + " is " + ValueInfos.describe(out)
                    + ", not [batch, classes] logits");
        }
        return dims != null && dims.get(1).matches("\\d+") ? Integer.parseInt(dims.get(1)) : -1;
    }

    private static void checkLabels(DistillTexts train, Optional<TextClassificationDataset> eval, int classes) {
        if (classes <= 0) {
            return;
        }
        if (train.maxLabel().isPresent() && train.maxLabel().getAsInt() >= classes) {
            throw NncjException.inFile(train.file(), "label " + train.maxLabel().getAsInt() + " does not fit the teacher's "
                    + classes + " classes (labels 0.." + (classes - 1) + ")");
        }
        if (eval.isPresent() && eval.get().maxLabel() >= classes) {
            throw NncjException.inFile(eval.get().file(), "label " + eval.get().maxLabel() + " does not fit the teacher's "
                    + classes + " classes (labels 0.." + (classes - 1) + ")");
        }
    }

    /**
     * The model itself when the emitter wrote it, else lifted and re-emitted (the same function). A graph
     * compressed in place (factorized, clustered) from an exported one is neither: said so in one line. Nor
     * is a graph holding training ops (quantization-aware training's fake quantization), which writing it
     * again would drop: it is refused rather than trained without them.
     */
    private static OnnxModel emittedForm(OnnxModel model, String role) {
        if (LayerValues.find(model.graph()).isPresent()) {
            return model;
        }
        if (model.graph().nodes().stream().anyMatch(n -> Domains.TRAINING.equals(n.domain()))) {
            throw NncjException.inFile(file(model, role), "the " + role + "'s layer outputs, which the hidden-state and"
                    + " attention terms read, are found only in an encoder graph NNCJ wrote (distill, prune, search);"
                    + " train this one without those terms");
        }
        EncoderLifter.Result lifted = EncoderLifter.tryLift(model);
        if (lifted.spec().isEmpty()) {
            throw NncjException.inFile(file(model, role), "the " + role + "'s layer outputs, which the hidden-state and"
                    + " attention terms read, cannot be found: it is neither an encoder graph NNCJ wrote (prune, distill,"
                    + " cross-layer sharing, or one compressed from those) nor one it can lift (" + lifted.reason() + ")");
        }
        return StudentDerivation.reemit(model, lifted.spec().get());
    }

    /** TinyBERT's uniform mapping: student layer i of n learns from teacher layer (i + 1) * m / n - 1 of m. */
    static Map<Integer, Integer> uniformMap(int studentLayers, int teacherLayers) {
        Map<Integer, Integer> map = new TreeMap<>();
        for (int i = 0; i < studentLayers; i++) {
            map.put(i, Math.max(0, (i + 1) * teacherLayers / studentLayers - 1));
        }
        return map;
    }

    private static void checkLayerMap(Map<Integer, Integer> map, int studentLayers, int teacherLayers) {
        if (map.isEmpty()) {
            throw new NncjException("layer map: empty; give student:teacher pairs such as 0:1,1:3,2:5");
        }
        map.forEach((s, t) -> {
            if (s < 0 || s >= studentLayers) {
                throw new NncjException("layer map " + s + ":" + t + ": student layer " + s
                        + " is out of range (the student has layers 0.." + (studentLayers - 1) + ")");
            }
            if (t < 0 || t >= teacherLayers) {
                throw new NncjException("layer map " + s + ":" + t + ": teacher layer " + t
                        + " is out of range (the teacher has layers 0.." + (teacherLayers - 1) + ")");
            }
        });
    }

    private static Map<String, String> pairs(Map<Integer, Integer> map, List<String> student, List<String> teacher) {
        Map<String, String> out = new LinkedHashMap<>();
        map.forEach((s, t) -> out.put(student.get(s), teacher.get(t)));
        return out;
    }

    /**
     * One loss evaluation without autograd on the first batch, before any training: a hidden width,
     * head count or class count that does not match fails here with one line, not after an hour.
     */
    private static void probe(OnnxExecutor student, Loss loss, Batch batch, OnnxModel studentModel) {
        try (NDManager scope = student.manager().newSubManager()) {
            Map<String, NDArray> inputs = batch.arrays(scope);
            loss.compute(student.infer(scope, inputs, loss.values()), scope.create(batch.labels()), inputs);
        } catch (NncjException e) {
            throw NncjException.inFile(file(studentModel, "student"), "cannot be distilled from this teacher: "
                    + e.getMessage(), e);
        }
    }

    private static void recordProvenance(OnnxModel result, List<OnnxModel> teachers, OnnxModel student,
            DistillTexts train, DistillData data, DistillOptions options, Map<Integer, Integer> layerMap, int steps) {
        Optional<Path> origin = teachers.get(0).source();
        if (origin.isEmpty()) {
            return; // an in-memory teacher has no file to hash
        }
        Map<String, Object> recorded = new LinkedHashMap<>();
        List<Map<String, String>> teacherFiles = new ArrayList<>();
        for (OnnxModel t : teachers) {
            Map<String, String> entry = new LinkedHashMap<>();
            entry.put("file", t.source().map(p -> p.getFileName().toString()).orElse("(in memory)"));
            t.source().ifPresent(p -> entry.put("sha256", Provenance.sha256(p)));
            teacherFiles.add(entry);
        }
        recorded.put("teachers", teacherFiles);
        recorded.put("student", student.source().map(p -> p.getFileName().toString()).orElse("derived from the teacher"));
        recorded.put("data", train.describe());
        data.eval().ifPresent(e -> recorded.put("eval", e.file().getFileName().toString()));
        recorded.put("losses", options.lossMap());
        if (!layerMap.isEmpty()) {
            recorded.put("layer_map", layerMap);
        }
        recorded.put("steps", steps);
        recorded.put("training", options.training().asMap());
        Provenance.record(result, origin.get(), "distill", recorded);
    }

    private static Path file(OnnxModel model, String role) {
        return model.source().orElse(Path.of("(" + role + " in memory)"));
    }
}
