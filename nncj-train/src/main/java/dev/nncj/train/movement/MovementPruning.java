package dev.nncj.train.movement;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.onnx.Graph;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.provenance.Provenance;
import dev.nncj.sparsity.PrunableWeight;
import dev.nncj.sparsity.Sparsifier;
import dev.nncj.sparsity.SparsifyResult;
import dev.nncj.train.distill.DistillData;
import dev.nncj.train.distill.DistillResult;
import dev.nncj.train.distill.DistillationRecovery;
import dev.nncj.train.distill.StudentSetup;
import dev.nncj.train.execution.ExecutorOptions;
import dev.nncj.train.execution.TrainedWeights;
import dev.nncj.train.finetune.ClassifierHead;
import dev.nncj.train.ops.TensorArrays;
import dev.nncj.train.trainer.TrainingListener;
import dev.nncj.transformer.EmitOptions;
import dev.nncj.transformer.EncoderEmitter;
import dev.nncj.transformer.EncoderLifter;
import dev.nncj.transformer.EncoderSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.regex.Pattern;

/**
 * Movement pruning (Sanh, Wolf and Rush 2020, "Movement Pruning: Adaptive Sparsity by
 * Fine-Tuning"): importance scores S learned while the classifier is fine-tuned, the weights kept
 * those of the highest scores. Where magnitude pruning keeps weights far from zero, movement
 * pruning keeps the weights moving away from zero during fine-tuning (dL/dS = dL/dW' * W), which
 * at high sparsity keeps far more accuracy.
 * <ol>
 * <li>lift the classifier and emit it (the names of its weights are then the emitter's);</li>
 * <li>add the scores and masks ({@link MovementScores}, {@link MovementGraph}): the forward pass
 *     uses W * M with M the hard top-k of S at the kept fraction of a cubic schedule
 *     ({@link CubicSparsitySchedule}, {@link ScoreMasks});</li>
 * <li>train by distillation from the dense classifier ({@link DistillationRecovery}, soft targets plus labels),
 *     scores at their own learning rate;</li>
 * <li>mask the trained weights with the final top-k ({@link MaskedWeights}) and make the result
 *     smaller: unstructured zeros stored sparsely ({@link Sparsifier#store}), masked heads and FFN
 *     neurons removed ({@link MaskedUnitRemoval}) and the encoder re-emitted.</li>
 * </ol>
 */
public final class MovementPruning {
    private MovementPruning() {}

    /**
     * The pruned classifier and what happened.
     *
     * @param model the model to save (sparse initializers for unstructured pruning)
     * @param encoderWeights elements of the encoder's weight matrices (Q, K, V, O, W1, W2) before
     * @param remainingWeights their non-zero elements after (removed blocks count as zero)
     * @param scoredWeights the weights the scores governed (what {@code remaining} is a fraction of)
     * @param sparsity unstructured pruning's storage report, when unstructured
     * @param trainingModel the trained training graph (scores and masks), to rerun it at the final fraction
     */
    public record Result(OnnxModel model, BlockStructure block, long encoderWeights, long remainingWeights,
            long scoredWeights, int removedHeads, int removedNeurons, long parametersBefore, long parametersAfter,
            Optional<SparsifyResult> sparsity, int steps, int keptStep, OptionalDouble evalAccuracy, List<Double> losses,
            List<String> notes, OnnxModel trainingModel) {

        /** The fraction of the encoder's weights left. */
        public double remainingFraction() {
            return (double) remainingWeights / encoderWeights;
        }
    }

    public static Result run(Path classifier, MovementOptions options, DistillData data, ProgressListener progress,
            List<TrainingListener> listeners) {
        OnnxModel teacher = OnnxFiles.load(classifier);
        if (!teacher.graph().isGraphOutput(ClassifierHead.LOGITS)) {
            throw NncjException.inFile(classifier, "has no " + ClassifierHead.LOGITS
                    + " output; movement pruning fine-tunes a classifier (fine-tune the encoder first)");
        }
        EncoderSpec original = EncoderLifter.lift(teacher, classifier);
        // the emitter's weight names, which the training graph, the trained weights and the export share
        EncoderSpec spec = EncoderLifter.lift(EncoderEmitter.emit(original, EmitOptions.defaults()), classifier);
        OnnxModel emitted = EncoderEmitter.emit(spec, EmitOptions.defaults());
        MovementScores scores = MovementScores.plan(emitted.graph(), spec, options.block(), options.filter(), classifier);
        OnnxModel training = MovementGraph.build(emitted, scores, options.scope());

        DistillResult trained;
        try (ScoreMasks masks = new ScoreMasks(options::schedule)) {
            List<TrainingListener> all = new ArrayList<>(listeners);
            all.add(masks);
            trained = new DistillationRecovery(teacher, data, options.distill(), progress).run(training,
                    setup(options, masks, scores), all);
        }
        List<float[]> finalMasks = finalMasks(trained.student(), scores, options.remaining());

        OnnxModel dense = EncoderEmitter.emit(spec, EmitOptions.defaults());
        TrainedWeights.copy(trained.student(), dense);
        MaskedWeights.apply(dense.graph(), scores, finalMasks);
        long remaining = nonZeros(dense.graph(), spec);
        Export export = smaller(dense, scores, finalMasks, options, classifier);
        OnnxModel output = export.model();
        teacher.metadata().forEach(output::putMetadata);
        Map<String, Object> recorded = options.asMap();
        recorded.put("train", data.train().describe());
        data.eval().ifPresent(e -> recorded.put("eval", e.file().getFileName().toString()));
        recorded.put("steps", trained.steps());
        Provenance.record(output, classifier, "movement", recorded);
        List<String> notes = new ArrayList<>(scores.notes());
        notes.addAll(export.notes());
        return new Result(output, options.block(), MovementScores.encoderWeights(spec), remaining, scores.scoredWeights(),
                export.heads(), export.neurons(), original.parameterCount(), export.parameters(), export.sparsity(),
                trained.steps(), trained.keptStep(), trained.evalAccuracy(), trained.losses(), notes, trained.student());
    }

    /** The masked model made smaller, and what that took. */
    private record Export(OnnxModel model, Optional<SparsifyResult> sparsity, int heads, int neurons, long parameters,
            List<String> notes) {}

    /**
     * Unstructured: the zeros of the masked {@code dense} model stored sparsely (dense parameters
     * unchanged). Blocks: the masked heads and neurons removed and the encoder emitted again.
     */
    private static Export smaller(OnnxModel dense, MovementScores scores, List<float[]> masks, MovementOptions options,
            Path classifier) {
        if (options.block() == BlockStructure.NONE) {
            long parameters = EncoderLifter.lift(dense, classifier).parameterCount(); // before the weights turn sparse
            SparsifyResult sparsity = Sparsifier.store(dense, scoredWeights(dense.graph(), scores), options.storage(), List.of());
            return new Export(dense, Optional.of(sparsity), 0, 0, parameters, List.of());
        }
        MaskedUnitRemoval.Removed removed = MaskedUnitRemoval.apply(EncoderLifter.lift(dense, classifier), scores, masks);
        return new Export(EncoderEmitter.emit(removed.spec(), EmitOptions.defaults()), Optional.empty(), removed.heads(),
                removed.neurons(), removed.spec().parameterCount(), removed.notes());
    }

    /** The student's kernels (the masks' top-k), the scores' learning rate, evaluations from the cool-down on. */
    private static StudentSetup setup(MovementOptions options, ScoreMasks masks, MovementScores scores) {
        double scale = options.scoreLearningRate() / options.distill().training().learningRate();
        ExecutorOptions execution = ExecutorOptions.defaults().withOps(masks.registry(scores.tensors().size()))
                // Sanh et al.'s scores take no weight decay: decay would pull every score towards 0 alike
                .withGroup(new ExecutorOptions.ParameterGroup(Pattern.compile(Pattern.quote(MovementScores.SUFFIX) + "$"),
                        scale, false));
        return new StudentSetup(execution, total -> options.schedule(total).firstFinalStep());
    }

    /** The masks the training graph's MovementTopK computes from the trained scores at {@code remaining}. */
    static List<float[]> finalMasks(OnnxModel trainingModel, MovementScores scores, double remaining) {
        Graph g = trainingModel.graph();
        Node topK = g.nodes().stream().filter(n -> n.opType().equals(ScoreMasks.OP)).findFirst().orElseThrow();
        try (NDManager manager = Engine.getEngine("PyTorch").newBaseManager()) {
            List<NDArray> arrays = new ArrayList<>();
            for (MovementScores.ScoreTensor t : scores.tensors()) {
                arrays.add(TensorArrays.toArray(manager, g.initializer(t.name()).orElseThrow()));
            }
            return ScoreMasks.masks(topK, arrays, remaining).stream().map(NDArray::toFloatArray).toList();
        }
    }

    private static List<PrunableWeight> scoredWeights(Graph graph, MovementScores scores) {
        List<PrunableWeight> out = new ArrayList<>();
        for (MovementScores.ScoreTensor t : scores.tensors()) {
            for (MovementScores.MaskedUse use : t.uses()) {
                Node reader = graph.consumers(use.weight()).stream().filter(n -> n.is("MatMul")).findFirst().orElseThrow();
                out.add(new PrunableWeight(use.weight(), reader.name(), reader.opType(), 0));
            }
        }
        return out;
    }

    /** Non-zero elements of the encoder's weight matrices in {@code graph}, which {@code spec} names. */
    private static long nonZeros(Graph graph, EncoderSpec spec) {
        return MovementScores.matrices(spec).mapToLong(l -> {
            long n = 0;
            for (float v : graph.initializer(l.weight().name()).orElseThrow().toFloats()) {
                if (v != 0f) {
                    n++;
                }
            }
            return n;
        }).sum();
    }
}
