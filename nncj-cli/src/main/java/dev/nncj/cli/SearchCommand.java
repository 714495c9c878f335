package dev.nncj.cli;

import dev.nncj.NncjException;
import dev.nncj.OptionException;
import dev.nncj.ProgressListener;
import dev.nncj.data.HeldOutData;
import dev.nncj.data.TextTokenizer;
import dev.nncj.eval.EvalOptions;
import dev.nncj.onnx.ModelDigest;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.provenance.Provenance;
import dev.nncj.runtime.BenchmarkOptions;
import dev.nncj.runtime.RuntimeOptions;
import dev.nncj.search.ArchitectureSearch;
import dev.nncj.search.Budget;
import dev.nncj.search.Fidelity;
import dev.nncj.search.Journal;
import dev.nncj.search.LatencyTable;
import dev.nncj.search.NumericForm;
import dev.nncj.search.RunFingerprint;
import dev.nncj.search.SearchSpace;
import dev.nncj.search.TokenTableForm;
import dev.nncj.transformer.EncoderLayer;
import dev.nncj.transformer.EncoderLifter;
import dev.nncj.transformer.EncoderSpec;
import dev.nncj.transformer.ImportanceScores;
import dev.nncj.transformer.MagnitudeImportance;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code nncj search TEACHER.onnx --data TRAIN.tsv --eval DEV.tsv -o OUT}: the architecture search,
 * from the teacher's own layers, heads and FFN widths, its numeric and token-table forms, to a
 * measured front of deployable models with a report.
 */
@Command(name = "search", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Find smaller, faster versions of a classifier for this device.",
            "Candidates keep some of the teacher's layers, heads and FFN units (the most important ones, with their weights),",
            "in fp32, dynamic int8 or static int8, the word table in 32, 8 or 4 bits. Evolution (NSGA-II) over accuracy on",
            "--eval, latency (a table of encoder blocks timed with ONNX Runtime here, checked against real comparisons) and",
            "file size; the front is then distilled from the teacher (successive halving) and measured for real.",
            "OUT receives journal.jsonl (every candidate; --resume continues after a stop), pareto.json, front/NN/model.onnx",
            "and report.html. --test is read once, for the report; selection uses --eval only."},
        footer = {"", "Example: nncj search work/clf.onnx --data data/sst2/train.tsv --eval data/sst2/dev.tsv "
                + "--test data/sst2/test.tsv -o work/search --max-latency 0.33"})
final class SearchCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "TEACHER", description = "the trained classifier (.onnx with its tokenizer.json beside it)")
    Path teacherFile;

    @Option(names = "--data", required = true, paramLabel = "TRAIN.tsv",
            description = "labelled training data: distillation of the finalists and static-int8 calibration")
    Path data;

    @Option(names = "--eval", required = true, paramLabel = "DEV.tsv", description = "selection data: every candidate is scored on it")
    Path eval;

    @Option(names = "--eval-samples", defaultValue = "500", paramLabel = "N",
            description = "score candidates on the first N rows of --eval (default ${DEFAULT-VALUE}); the front on all of it")
    int evalSamples;

    @Option(names = "--test", paramLabel = "TEST.tsv", description = "scored once for the front, in the report (never for selection)")
    Path test;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT", description = "a new folder (or the folder to --resume)")
    Path output;

    @Option(names = "--max-latency", paramLabel = "RATIO", description = "budget: p50 at most RATIO of the teacher's (e.g. 0.33)")
    Double maxLatency;

    @Option(names = "--max-size", paramLabel = "RATIO", description = "budget: file at most RATIO of the teacher's (e.g. 0.1)")
    Double maxSize;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "S", description = "the search's seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--resume", description = "continue the search in OUT from its journal (no candidate is evaluated twice)")
    boolean resume;

    @Option(names = "--keep-training", description = "keep OUT/training after the front is written: each distillation's"
            + " trained float model (trained.onnx), to quantize or train further by hand (by default it is removed)")
    boolean keepTraining;

    @Option(names = "--population", defaultValue = "16", paramLabel = "N", description = "candidates per generation (default ${DEFAULT-VALUE})")
    int population;

    @Option(names = "--generations", defaultValue = "4", paramLabel = "G", description = "generations after the first sample (default ${DEFAULT-VALUE})")
    int generations;

    @Option(names = "--finalists", defaultValue = "8", paramLabel = "N", description = "front models promoted to distillation (default ${DEFAULT-VALUE})")
    int finalists;

    @Option(names = "--stages", defaultValue = "inherited,short-distill", split = ",", paramLabel = "STAGE",
            description = "fidelity stages, cheapest first: inherited, short-distill, full-distill, qat (quantization-aware"
                    + " training of every full-distill finalist in its int8 form; last, after full-distill) (default ${DEFAULT-VALUE})")
    List<String> stages;

    @Option(names = "--short-distill-samples", defaultValue = "2000", paramLabel = "N",
            description = "training sentences of a short distillation (default ${DEFAULT-VALUE}); full: 8x as many")
    int shortSamples;

    @Option(names = "--full-distill-epochs", defaultValue = "1", paramLabel = "N",
            description = "passes of a full distillation over its sentences (default ${DEFAULT-VALUE})")
    int fullEpochs;

    @Option(names = "--hidden-weight", defaultValue = "1", paramLabel = "W",
            description = "weight of the hidden-state term of every distillation (the student's layers against the"
                    + " teacher's, uniformly mapped); 0: soft targets and labels only (default ${DEFAULT-VALUE})")
    double hiddenWeight;

    @Option(names = "--augment", defaultValue = "0", paramLabel = "N",
            description = "a full distillation also trains on N rewritings of each sentence (words replaced by their"
                    + " neighbours in the teacher's word table, TinyBERT's augmentation), labelled by the teacher alone"
                    + " (default ${DEFAULT-VALUE}: none)")
    int augment;

    @Option(names = "--forms", defaultValue = "fp32,int8-dynamic,int8-static", split = ",", paramLabel = "FORM",
            description = "numeric forms: fp32, int8-dynamic, int8-dynamic-fused (each layer's attention one QAttention, as"
                    + " quantize's default; at qat it scores as its full distillation), int8-static (default ${DEFAULT-VALUE})")
    List<String> forms;

    @Option(names = "--tables", defaultValue = "table-fp32,table-int8,table-int4", split = ",", paramLabel = "TABLE",
            description = "word-table forms: table-fp32, table-int8, table-int4, table-int4-half-rank (two factors at half"
                    + " the hidden width, distilled as such) (default ${DEFAULT-VALUE})")
    List<String> tables;

    @Option(names = "--min-layers", defaultValue = "1", paramLabel = "N", description = "fewest layers a candidate keeps (default ${DEFAULT-VALUE})")
    int minLayers;

    @Option(names = "--head-step", paramLabel = "N", description = "heads are kept in multiples of N (default: a sixth of the teacher's, at least 1)")
    Integer headStep;

    @Option(names = "--ffn-step", paramLabel = "N", description = "FFN units are kept in multiples of N (default: a sixth of the teacher's)")
    Integer ffnStep;

    @Option(names = "--latency-models", defaultValue = "20", paramLabel = "N",
            description = "random candidates timed per numeric form to fit the latency table (default ${DEFAULT-VALUE}, at least 3)")
    int latencyModels;

    @Option(names = "--latency-table", paramLabel = "FILE",
            description = "the latency table another search measured on this device (its OUT/latency-table.json), instead of measuring one")
    Path latencyTable;

    @Option(names = "--latency-checks", defaultValue = "30", paramLabel = "N",
            description = "random candidates compared with the teacher to check the latency table (default ${DEFAULT-VALUE}; 0: none)")
    int latencyChecks;

    @Option(names = "--timing-runs", defaultValue = "30", paramLabel = "N", description = "timed runs per latency-table entry (default ${DEFAULT-VALUE})")
    int timingRuns;

    @Option(names = "--threads", defaultValue = "1", paramLabel = "N", description = "ONNX Runtime threads of the target device (default ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--seq-len", defaultValue = "128", paramLabel = "N", description = "sequence length latency is measured at (default ${DEFAULT-VALUE})")
    int seqLen;

    @Option(names = "--random", description = "random search at the same number of evaluations instead of evolution (the baseline)")
    boolean random;

    @Option(names = "--executor", defaultValue = "local", paramLabel = "WHERE",
            description = "where candidates are evaluated: local (here) or spark (as tasks on --spark-master; "
                    + "Spark must be on the class path: NNCJ_CLASSPATH) (default ${DEFAULT-VALUE})")
    String executor;

    @Option(names = "--spark-master", paramLabel = "URL", description = "with --executor spark: the cluster (spark://host:7077, local-cluster[2,1,1024], ...)")
    String sparkMaster;

    @Option(names = "--shared-folder", paramLabel = "DIR",
            description = "with --executor spark: a folder every executor reads, where the teacher and the data are copied "
                    + "(default: executors read the input files where they are)")
    Path sharedFolder;

    @Option(names = "--task-cpus", defaultValue = "1", paramLabel = "N",
            description = "with --executor spark: CPUs a candidate's task holds, and its ONNX Runtime threads (default ${DEFAULT-VALUE})")
    int taskCpus;

    @Mixin
    QuietOption quiet;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        List<Fidelity> fidelities = parseAll(stages, "--stages", Fidelity::ofLabel);
        List<NumericForm> numericForms = parseAll(forms, "--forms", NumericForm::ofLabel);
        List<TokenTableForm> tableForms = parseAll(tables, "--tables", TokenTableForm::ofLabel);
        Budget budget = new Budget(optional(maxLatency, "--max-latency"), optional(maxSize, "--max-size"));
        // every count a user can get wrong, before minutes of latency timing
        atLeast("--population", population, 2);
        atLeast("--generations", generations, 0);
        atLeast("--finalists", finalists, 1);
        atLeast("--eval-samples", evalSamples, 1);
        atLeast("--short-distill-samples", shortSamples, 1);
        atLeast("--full-distill-epochs", fullEpochs, 1);
        atLeast("--augment", augment, 0);
        int qat = fidelities.indexOf(Fidelity.QAT);
        if (qat >= 0 && (qat != fidelities.size() - 1 || qat == 0 || fidelities.get(qat - 1) != Fidelity.FULL_DISTILL)) {
            throw new OptionException("--stages: qat trains the full distillation's finalists further: give it last, right after"
                    + " full-distill");
        }
        if (qat >= 0 && numericForms.stream().noneMatch(NumericForm::quantizationAwareTrainable)) {
            throw new OptionException("--stages: qat trains the int8-dynamic and int8-static forms; give one in --forms");
        }
        if (augment > 0 && !fidelities.contains(Fidelity.FULL_DISTILL)) {
            throw new OptionException("--augment rewrites the full distillation's text: add full-distill to --stages");
        }
        SearchDistillation distillation;
        try {
            distillation = new SearchDistillation(shortSamples, fullEpochs, hiddenWeight, augment);
        } catch (IllegalArgumentException e) { // the counts are checked above: what is left is the weight
            throw new OptionException("--hidden-weight must be a finite number >= 0, not " + hiddenWeight);
        }
        atLeast("--latency-models", latencyModels, 3);
        atLeast("--latency-checks", latencyChecks, 0);
        atLeast("--timing-runs", timingRuns, 1);
        atLeast("--threads", threads, 1);
        atLeast("--seq-len", seqLen, 1);
        SearchExecutor where = parseAll(List.of(executor), "--executor", SearchExecutor::ofLabel).get(0);
        if (where == SearchExecutor.SPARK) {
            if (sparkMaster == null || sparkMaster.isBlank()) {
                throw new OptionException("--executor spark needs --spark-master URL");
            }
            if (taskCpus < 1) {
                throw new OptionException("--task-cpus must be at least 1, not " + taskCpus);
            }
            SearchExecutor.requireSpark();
        }
        for (Path p : Stream.of(data, eval, test).filter(p -> p != null).toList()) {
            if (!Files.isRegularFile(p)) {
                throw NncjException.inFile(p, "does not exist");
            }
        }
        if (test != null) {
            HeldOutData.refuseShared(HeldOutData.Role.selection(eval).from("--eval"), HeldOutData.Role.test(test).from("--test"));
        }
        SearchFolder folder = SearchFolder.prepare(output, resume);
        InputModel.check(teacherFile);
        Path tokenizerFile = ModelOutput.tokenizerBeside(teacherFile);
        if (!Files.isRegularFile(tokenizerFile)) {
            throw NncjException.inFile(tokenizerFile, "not found: the search scores candidates with the teacher's tokenizer");
        }
        OnnxModel teacher = InputModel.load(teacherFile);
        EncoderSpec encoder = EncoderLifter.lift(teacher, teacherFile);
        ImportanceScores scores = new MagnitudeImportance().score(encoder);
        SearchSpace space = space(encoder, numericForms, tableForms);
        ProgressListener progress = quiet.progress();
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();

        // latency does not depend on the calibrated scales: timing models calibrate on a few sentences
        DeployableCandidateWriter timingWriter = new DeployableCandidateWriter(teacher.metadata(), Optional.of(
                SearchEvaluatorFactory.calibration(CalibrationSentences.read(data, 16), tokenizerFile)));
        SearchEvaluatorFactory inputs = SearchEvaluatorFactory.of(teacherFile, data, eval, evalSamples, distillation, seed,
                fidelities);
        BenchmarkOptions timing = BenchmarkOptions.defaults().withSeqLen(seqLen).withRuns(timingRuns).withWarmupRuns(5)
                .withRuntime(RuntimeOptions.defaults().withIntraOpThreads(threads));
        Optional<LatencyTable> measuredTable = Optional.ofNullable(latencyTable)
                .map(file -> SearchLatency.readMeasured(file, timing, space));
        // the journal first: a search it does not belong to is refused before anything is measured
        String teacherDigest = ModelDigest.sha256(teacher);
        String dataDigests = Provenance.sha256(data) + " " + Provenance.sha256(eval);
        RunFingerprint fingerprint = new RunFingerprint(teacherDigest, dataDigests + " " + evalSamples + " " + shortSamples,
                space.describe() + " stages " + String.join(",", stages) + " population " + population + " finalists "
                        + finalists + (random ? " random" : " evolution") + " " + distillation.describe(),
                budget.describe(), seed);
        // executors elsewhere read copies in the shared folder, made before the journal: a folder that
        // cannot take them leaves no search behind
        SearchEvaluatorFactory remoteInputs = where != SearchExecutor.SPARK || sharedFolder == null ? inputs
                : SharedInputs.copy(inputs, sharedFolder,
                        teacherDigest.substring(0, 16) + "-" + dataDigests.substring(0, 8) + dataDigests.substring(65, 73));
        ArchitectureSearch.Outcome outcome;
        SearchLatency latency;
        LocalCandidateEvaluator evaluator;
        try (Journal journal = folder.journal(fingerprint); TextTokenizer tokenizer = TextTokenizer.load(tokenizerFile)) {
            latency = SearchLatency.prepare(folder, encoder, scores, space, timingWriter, timing, teacherFile,
                    new SearchLatency.Plan(latencyModels, latencyChecks, seed, measuredTable), progress,
                    quiet.quiet ? new PrintWriter(java.io.Writer.nullWriter()) : err);
            // the front's models are rebuilt and measured here, whoever scored the candidates
            evaluator = inputs.evaluator(teacher, encoder, scores, tokenizer, EvalOptions.defaults(),
                    Optional.of(folder.file(SearchFolder.TRAINING)), progress);
            ArchitectureSearch.Settings settings = new ArchitectureSearch.Settings(population, generations, finalists,
                    fidelities, seed, budget, random);
            // a local search never reaches SparkEvaluators, so never loads a Spark class
            try (SearchExecutor.Remote remote = where == SearchExecutor.SPARK
                    ? SparkEvaluators.start(sparkMaster, taskCpus, remoteInputs) : null) {
                outcome = new ArchitectureSearch(space, remote != null ? remote : evaluator, latency::latencyRatio,
                        Files.size(teacherFile), journal, settings, new SearchProgress(err, quiet.quiet)).run();
            }
            double hours;
            try (Journal all = folder.reread(fingerprint)) { // every run's seconds, this one's too
                hours = all.entries().stream().mapToDouble(e -> e.seconds()).sum() / 3600;
            }
            SearchResults.write(folder, outcome, new SearchResults.Inputs(teacherFile, tokenizerFile, eval,
                    Optional.ofNullable(test), budget, timing, fidelities.get(fidelities.size() - 1), hours),
                    latency, evaluator, progress, out);
            if (!keepTraining) {
                evaluator.discardTraining();
            }
        }
        return 0;
    }

    private SearchSpace space(EncoderSpec encoder, List<NumericForm> numericForms, List<TokenTableForm> tableForms) {
        List<EncoderLayer> layers = encoder.layers();
        int[] heads = layers.stream().mapToInt(l -> l.attention().heads()).toArray();
        int[] ffn = layers.stream().mapToInt(l -> l.ffn().width()).toArray();
        int fewestHeads = java.util.Arrays.stream(heads).min().orElseThrow();
        int narrowestFfn = java.util.Arrays.stream(ffn).min().orElseThrow();
        int h = headStep != null ? headStep : Math.max(1, fewestHeads / 6);
        int f = ffnStep != null ? ffnStep : Math.max(1, narrowestFfn / 6);
        if (h < 1 || h > fewestHeads) {
            throw new OptionException("--head-step must be 1.." + fewestHeads + " (the fewest heads of a teacher layer), not " + h);
        }
        if (f < 1 || f > narrowestFfn) {
            throw new OptionException("--ffn-step must be 1.." + narrowestFfn + " (the narrowest FFN of a teacher layer), not " + f);
        }
        if (minLayers < 1 || minLayers > layers.size()) {
            throw new OptionException("--min-layers must be 1.." + layers.size() + ", not " + minLayers);
        }
        return new SearchSpace(heads, ffn, minLayers, h, f, numericForms, tableForms);
    }

    private static void atLeast(String option, int value, int least) {
        if (value < least) {
            throw new OptionException(option + " must be at least " + least + ", not " + value);
        }
    }

    private static OptionalDouble optional(Double ratio, String option) {
        if (ratio == null) {
            return OptionalDouble.empty();
        }
        if (!(ratio > 0)) {
            throw new OptionException(option + " is a ratio to the teacher's and must be above 0, not " + ratio);
        }
        return OptionalDouble.of(ratio);
    }

    private static <T> List<T> parseAll(List<String> values, String option, java.util.function.Function<String, T> parse) {
        List<T> out = new ArrayList<>();
        for (String v : values) {
            try {
                T t = parse.apply(v.strip().toLowerCase(Locale.ROOT));
                if (!out.contains(t)) {
                    out.add(t);
                }
            } catch (IllegalArgumentException e) {
                throw new OptionException(option + ": " + e.getMessage());
            }
        }
        return out;
    }
}
