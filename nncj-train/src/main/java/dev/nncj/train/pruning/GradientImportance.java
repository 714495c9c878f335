package dev.nncj.train.pruning;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.data.TextClassificationDataset;
import dev.nncj.data.TextTokenizer;
import dev.nncj.data.TokenizerOptions;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.train.finetune.ClassifierHead;
import dev.nncj.train.finetune.TextBatches;
import dev.nncj.train.trainer.Batch;
import dev.nncj.transformer.EmitOptions;
import dev.nncj.transformer.EncoderEmitter;
import dev.nncj.transformer.EncoderSpec;
import dev.nncj.transformer.ImportanceScorer;
import dev.nncj.transformer.ImportanceScores;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Gradient-based importance (Michel, Levy and Neubig, "Are Sixteen Heads Really Better than One?",
 * 2019): the classifier is emitted with a mask on every head and FFN neuron
 * ({@link EmitOptions#withUnitMasks()}), and a unit's score is the expected |dL/dmask| over labelled
 * task data ({@link MaskGradients}), L the classifier's cross-entropy. As in the paper, head scores
 * are divided by their layer's L2 norm; neuron scores are left as measured (the pruner ranks units
 * within a layer, so the normalization matters only to readers comparing layers).
 */
public final class GradientImportance implements ImportanceScorer {
    public static final dev.nncj.transformer.ImportanceCriterion CRITERION = new dev.nncj.transformer.ImportanceCriterion(
            "gradient", "expected |dLoss/dmask| of the classifier on labelled task data (Michel et al. 2019)",
            data -> new GradientImportance(data.labelled(), data.tokenizer(), data.batchSize(), data.maxLength(),
                    ClassifierHead.LOGITS, data.progress()));

    private final TextClassificationDataset data;
    private final Path tokenizer;
    private final int batchSize;
    private final int maxLength;
    private final String logits;
    private final ProgressListener progress;

    public GradientImportance(TextClassificationDataset data, Path tokenizer, int batchSize, int maxLength,
            String logits, ProgressListener progress) {
        if (data.size() == 0) {
            throw NncjException.inFile(data.file(), "has no examples; gradient importance needs labelled task data");
        }
        this.data = data;
        this.tokenizer = tokenizer;
        this.batchSize = batchSize;
        this.maxLength = maxLength;
        this.logits = logits;
        this.progress = progress;
    }

    @Override
    public String name() {
        return "gradient";
    }

    @Override
    public ImportanceScores score(EncoderSpec spec) {
        OnnxModel model = EncoderEmitter.emit(spec, EmitOptions.defaults().withUnitMasks());
        if (!model.graph().isGraphOutput(logits)) {
            throw new NncjException("gradient importance needs a classifier (an encoder with a task head and a "
                    + logits + " output): this is a bare encoder; fine-tune it first (nncj finetune)");
        }
        int layers = spec.layers().size();
        List<String> masks = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            masks.add(EmitOptions.headMaskInput(i));
            masks.add(EmitOptions.neuronMaskInput(i));
        }
        List<String> textInputs = model.graph().inputs().stream().map(v -> v.getName())
                .filter(n -> !masks.contains(n)).toList();
        List<Batch> batches;
        try (TextTokenizer tok = TextTokenizer.load(tokenizer, TokenizerOptions.defaults().withMaxLength(maxLength))) {
            batches = TextBatches.of(data, tok, batchSize, textInputs);
        }
        Map<String, double[]> g = MaskGradients.measure(model, masks, logits, batches, progress);
        List<double[]> heads = new ArrayList<>();
        List<double[]> neurons = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            heads.add(normalized(g.get(EmitOptions.headMaskInput(i))));
            neurons.add(g.get(EmitOptions.neuronMaskInput(i)));
        }
        return new ImportanceScores(heads, neurons);
    }

    /** Michel et al.'s per-layer normalization: scores over their L2 norm (left alone when all zero). */
    static double[] normalized(double[] scores) {
        double norm = Math.sqrt(java.util.Arrays.stream(scores).map(s -> s * s).sum());
        return norm == 0 ? scores : java.util.Arrays.stream(scores).map(s -> s / norm).toArray();
    }
}
