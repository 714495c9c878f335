package dev.nncj.train.finetune;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.data.TextClassificationDataset;
import dev.nncj.data.TextClassificationOptions;
import dev.nncj.data.TextTokenizer;
import dev.nncj.data.TokenizerOptions;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.ValueInfos;
import dev.nncj.provenance.Provenance;
import dev.nncj.train.execution.ExecutorOptions;
import dev.nncj.train.execution.OnnxExecutor;
import dev.nncj.train.trainer.Batch;
import dev.nncj.train.trainer.ClassificationAccuracy;
import dev.nncj.train.trainer.EarlyStopping;
import dev.nncj.train.trainer.KeptWeights;
import dev.nncj.train.trainer.Loss;
import dev.nncj.train.trainer.StepProgress;
import dev.nncj.train.trainer.Trainer;
import dev.nncj.train.trainer.TrainerOptions;
import dev.nncj.train.trainer.TrainingListener;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fine-tunes a sentence encoder into a text classifier: attaches a {@link ClassifierHead} (classes
 * from the training labels), trains encoder and head with softmax cross-entropy, evaluates on the
 * eval set every {@link FineTuneOptions#evalEvery} steps and at the end, and returns the classifier
 * with the weights of the best evaluation. The library never prints: steps go to a
 * {@link ProgressListener}, losses and evaluations to {@link TrainingListener}s.
 */
public final class FineTuner {
    /** The output name sentence-transformers' and Optimum's encoder exports give the hidden states. */
    static final String HIDDEN = "last_hidden_state";

    private FineTuner() {}

    public static FineTuneResult run(Path encoder, Path tokenizerFile, Path trainFile, Path evalFile,
            FineTuneOptions options, ProgressListener progress, List<TrainingListener> listeners) {
        return run(encoder, tokenizerFile, trainFile, evalFile, TextClassificationOptions.defaults(), options, progress,
                listeners);
    }

    /** As above, with both data files read by {@code data} (columns, header, encoding). */
    public static FineTuneResult run(Path encoder, Path tokenizerFile, Path trainFile, Path evalFile,
            TextClassificationOptions data, FineTuneOptions options, ProgressListener progress,
            List<TrainingListener> listeners) {
        TextClassificationDataset train = TextClassificationDataset.load(trainFile, data);
        if (options.maxTrainExamples().isPresent()) {
            train = train.firstN(options.maxTrainExamples().getAsInt());
        }
        TextClassificationDataset eval = TextClassificationDataset.load(evalFile, data);
        int classes = train.numClasses();
        long present = java.util.Arrays.stream(train.classCounts()).filter(n -> n > 0).count();
        if (present < 2) {
            throw NncjException.inFile(trainFile, "every training label is " + train.maxLabel()
                    + "; labels must contain at least two classes to train a classifier");
        }
        if (eval.maxLabel() >= classes) {
            throw NncjException.inFile(evalFile, "label " + eval.maxLabel() + " never occurs in training, whose labels are 0.."
                    + (classes - 1));
        }
        OnnxModel model = OnnxFiles.load(encoder);
        ClassifierHead.attach(model, hiddenOutput(model, encoder), classes, options.seed());

        try (TextTokenizer tokenizer = TextTokenizer.load(tokenizerFile,
                        TokenizerOptions.defaults().withMaxLength(options.maxLength()));
                OnnxExecutor executor = OnnxExecutor.create(model, ExecutorOptions.defaults())) {
            List<Batch> batches = TextBatches.of(train, tokenizer, options.batchSize(), executor.inputNames());
            ClassificationAccuracy accuracy = new ClassificationAccuracy(
                    TextBatches.of(eval, tokenizer, options.batchSize(), executor.inputNames()), ClassifierHead.LOGITS);
            int total = options.epochs() * batches.size();
            TrainerOptions trainerOptions = options.trainerOptions(total);
            List<TrainingListener> all = new ArrayList<>(listeners);
            all.add(new StepProgress(progress));
            progress.start("fine-tuning", total);
            try (Trainer trainer = new Trainer(executor, Loss.softmaxCrossEntropy(ClassifierHead.LOGITS), trainerOptions, all)) {
                trainer.evaluateWith(accuracy, new EarlyStopping(options.evalEvery(), options.patience(), true));
                trainer.keepCheckpoints(options.checkpoints(), options.evalEvery());
                try {
                    trainer.fit(batches, options.epochs());
                } finally {
                    progress.finish();
                }
                KeptWeights best = KeptWeights.choose(trainer, executor, accuracy, options.evalEvery(), listeners);
                Map<String, Object> recorded = new LinkedHashMap<>(options.asMap());
                recorded.put("task", "text-classification");
                recorded.put("train", trainFile.getFileName().toString());
                recorded.put("eval", evalFile.getFileName().toString());
                recorded.put("classes", classes);
                Provenance.record(best.model(), encoder, "finetune", recorded);
                return new FineTuneResult(best.model(), classes, trainer.steps(), best.step(), best.accuracy(),
                        trainer.stoppedEarly(), trainer.losses());
            }
        }
    }

    /** The output holding the hidden states: last_hidden_state, else the only 3-D output. */
    static String hiddenOutput(OnnxModel model, Path file) {
        var outputs = model.graph().outputs();
        if (outputs.stream().anyMatch(v -> v.getName().equals(HIDDEN))) {
            return HIDDEN;
        }
        List<String> threeD = outputs.stream()
                .filter(v -> ValueInfos.dims(v) != null && ValueInfos.dims(v).size() == 3)
                .map(v -> v.getName()).toList();
        if (threeD.size() != 1) {
            throw NncjException.inFile(file, "is not an encoder: no " + HIDDEN + " output and "
                    + (threeD.isEmpty() ? "no" : "several") + " [batch, sequence, hidden] outputs");
        }
        return threeD.get(0);
    }
}
