package dev.nncj.spark;

import dev.nncj.data.TextTokenizer;
import dev.nncj.data.TinyTokenizer;
import dev.nncj.eval.FloatArray;
import dev.nncj.eval.TextModelSession;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.Graph;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.onnx.ValueInfos;
import dev.nncj.runtime.RuntimeOptions;
import dev.nncj.search.Architecture;
import dev.nncj.search.ArchitectureSearch;
import dev.nncj.search.Budget;
import dev.nncj.search.CandidateEvaluator;
import dev.nncj.search.Fidelity;
import dev.nncj.search.Journal;
import dev.nncj.search.JournalEntry;
import dev.nncj.search.LayerChoice;
import dev.nncj.search.NumericForm;
import dev.nncj.search.RunFingerprint;
import dev.nncj.search.SearchListener;
import dev.nncj.search.SearchSpace;
import dev.nncj.search.TokenTableForm;
import dev.nncj.transformer.TinyEncoders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A small search over a real tiny classifier, written into a folder the driver and the executors
 * share: {@code teacher.onnx} (TinyEncoders' 3 layers of 2 heads and 16 FFN units, mean-pooled
 * into a 2-class Gemm head), {@code tokenizer.json} and {@code selection.tsv} (24 sentences labelled
 * by the teacher). Six candidates a generation, two generations, the two finalists scored again at the next
 * stage: 20 evaluations at most.
 */
final class TinyClassifierSearch {
    static final RunFingerprint RUN = new RunFingerprint("tiny", "selection", "tiny space", "none", 5);
    static final SearchSpace SPACE = new SearchSpace(new int[] {2, 2, 2}, new int[] {16, 16, 16}, 1, 1, 4,
            List.of(NumericForm.FP32), List.of(TokenTableForm.FP32));
    static final ArchitectureSearch.Settings SETTINGS = new ArchitectureSearch.Settings(6, 2, 2,
            List.of(Fidelity.INHERITED, Fidelity.SHORT_DISTILL), 5, Budget.none(), false);

    private TinyClassifierSearch() {}

    /**
     * Writes the teacher, its tokenizer and the selection data into {@code shared}. The labels are the
     * teacher's own predictions, its head's bias set at the median logit margin so that half the
     * sentences are each class: the teacher scores 1.0 and a candidate scores how far it agrees.
     */
    static void writeInputs(Path shared) throws IOException {
        Files.createDirectories(shared);
        Path teacher = shared.resolve("teacher.onnx");
        TinyTokenizer.write(shared);
        List<String> sentences = new ArrayList<>();
        for (String subject : List.of("the cat", "a cat", "the dog", "a dog", "cats", "dogs")) {
            for (String rest : List.of("", " sat", " sat on the mat", " sat on a mat .")) {
                sentences.add(subject + rest);
            }
        }
        OnnxFiles.save(classifier(0), teacher);
        double[] margins = new double[sentences.size()];
        try (TextTokenizer tokenizer = TextTokenizer.load(shared.resolve("tokenizer.json"));
             TextModelSession session = new TextModelSession(teacher, RuntimeOptions.defaults().withIntraOpThreads(1),
                     Optional.empty())) {
            FloatArray logits = session.run(tokenizer.encode(sentences));
            for (int i = 0; i < margins.length; i++) {
                margins[i] = logits.row(i)[1] - logits.row(i)[0];
            }
        }
        double[] sorted = margins.clone();
        Arrays.sort(sorted);
        float median = (float) ((sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2);
        OnnxFiles.save(classifier(median), teacher);
        StringBuilder tsv = new StringBuilder("sentence\tlabel\n");
        for (int i = 0; i < sentences.size(); i++) {
            tsv.append(sentences.get(i)).append('\t').append(margins[i] > median ? 1 : 0).append('\n');
        }
        Files.writeString(shared.resolve("selection.tsv"), tsv);
    }

    /** Runs the search with {@code evaluator} into a new journal at {@code file}; returns its entries. */
    static List<JournalEntry> run(CandidateEvaluator evaluator, Path shared, Path file, SearchListener listener)
            throws IOException {
        long teacherBytes = Files.size(shared.resolve("teacher.onnx"));
        try (Journal journal = Journal.create(file, RUN)) {
            new ArchitectureSearch(SPACE, evaluator, TinyClassifierSearch::latency, teacherBytes, journal, SETTINGS,
                    listener).run();
        }
        try (Journal journal = Journal.resume(file, RUN)) {
            return journal.entries();
        }
    }

    /** The journal as the test compares it: everything but the seconds each evaluation took. */
    static List<String> withoutTimes(List<JournalEntry> entries) {
        return entries.stream().map(e -> e.stage() + " | " + e.architecture() + " | " + e.objectives() + " | "
                + e.bytes() + " | " + e.failure()).toList();
    }

    /** The driver's cost model stands in for a latency table: a capacity count. */
    private static double latency(Architecture a) {
        return 0.1 + a.layers().stream().mapToDouble(c -> c.heads() / 2.0 + c.ffn() / 16.0).sum() / 6;
    }

    /** TinyEncoders' encoder with a mean-pool and Gemm head to 2 logits, class 1's shifted by {@code -margin}. */
    private static OnnxModel classifier(float margin) {
        OnnxModel model = TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L, 3L), false);
        Graph g = model.graph();
        g.addNode(Node.of("clf_pool", "ReduceMean", List.of("last_hidden_state"), List.of("clf_pooled"))
                .set("axes", new long[] {1}).set("keepdims", 0L));
        float[] w = new float[8 * 2];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) Math.sin(3 * i + 1);
        }
        g.addInitializer(Tensor.ofFloats("clf.weight", new long[] {8, 2}, w));
        g.addInitializer(Tensor.ofFloats("clf.bias", new long[] {2}, 0f, -margin));
        g.addNode(Node.of("clf_gemm", "Gemm", List.of("clf_pooled", "clf.weight", "clf.bias"), List.of("logits")));
        g.setOutputs(List.of(ValueInfos.tensor("logits", DataType.FLOAT, "batch", 2)));
        return model;
    }

    /** A candidate the test evaluator refuses, so failures travel through the executors too. */
    static boolean refused(Architecture a) {
        return a.layers().stream().mapToInt(LayerChoice::heads).sum() <= 2;
    }
}
