package dev.nncj.cli;

import dev.nncj.NncjException;
import dev.nncj.OptionException;
import dev.nncj.ProgressListener;
import dev.nncj.folder.ArchitectureEdit;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.report.CompressionReport;
import dev.nncj.report.Evaluation;
import dev.nncj.train.distill.Augmentation;
import dev.nncj.train.distill.DistillData;
import dev.nncj.train.distill.DistillOptions;
import dev.nncj.train.distill.DistillResult;
import dev.nncj.train.distill.Distiller;
import dev.nncj.train.distill.StudentDerivation;
import dev.nncj.train.distill.StudentShape;
import dev.nncj.train.finetune.FineTuneOptions;
import dev.nncj.train.trainer.StepResult;
import dev.nncj.train.trainer.TrainingListener;
import dev.nncj.transformer.EncoderLifter;
import dev.nncj.transformer.StructuredPruneResult;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "distill", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Distill a text classifier into a smaller student.",
            "Knowledge distillation, trained on DJL PyTorch.",
            "The student is given (--student) or derived from the teacher by keeping some of its layers (--student-layers,",
            "initialized from the teacher's weights). Losses: soft targets at a temperature (several --teacher: their",
            "averaged distribution), hard labels, hidden-state MSE and attention KL over a layer mapping. Unlabeled text",
            "(.txt, or a TSV without a label column) is labelled by the teacher. Prints size, p50 latency (both models",
            "interleaved in one process) and, with --test, accuracy by ONNX Runtime, teacher against student."})
final class DistillCommand implements Callable<Integer> {
    @Option(names = "--teacher", required = true, paramLabel = "T.onnx", converter = ModelArgument.class,
            description = "the teacher classifier (logits output); repeat for an averaged ensemble")
    List<Path> teachers;

    @Option(names = "--student", paramLabel = "S.onnx", converter = ModelArgument.class, description = "the student classifier (same logits output)")
    Path student;

    @Option(names = "--student-layers", split = ",", paramLabel = "I",
            description = "derive the student from the (first) teacher keeping these layers, e.g. 0,2,4")
    List<Integer> studentLayers;

    @Option(names = "--student-heads", paramLabel = "N", description = "attention heads each student layer keeps (default: all)")
    Integer studentHeads;

    @Option(names = "--student-ffn", paramLabel = "F", description = "FFN neurons each student layer keeps (default: all)")
    Integer studentFfn;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "STUDENT.onnx", description = "where to write the student")
    Path output;

    @Option(names = "--data", required = true, paramLabel = "TRAIN",
            description = "training text: labelled TSV (sentence, label), or unlabeled (.txt lines, TSV without label)")
    Path data;

    @Option(names = "--eval", paramLabel = "DEV.tsv", description = "selection data (labelled): the student's best weights are kept by it")
    Path eval;

    @Option(names = "--test", paramLabel = "TEST.tsv",
            description = "test data (labelled) for the teacher/student accuracy table (ONNX Runtime); not the --eval data")
    Path test;

    @Option(names = "--soft-weight", defaultValue = "1", description = "weight of the soft-target KL (default ${DEFAULT-VALUE})")
    double softWeight;

    @Option(names = "--temperature", defaultValue = "2", description = "softmax temperature of the soft targets (default ${DEFAULT-VALUE})")
    double temperature;

    @Option(names = "--hard-weight", paramLabel = "W",
            description = "weight of the label cross-entropy (default 1 with labelled data, 0 without; must be 0 without)")
    Double hardWeight;

    @Option(names = "--augment", defaultValue = "0", paramLabel = "N",
            description = "also train on N rewritings of each sentence (TinyBERT's augmentation: words replaced by their"
                    + " neighbours in the first teacher's word table), labelled by the teacher alone (default ${DEFAULT-VALUE})")
    int augment;

    @Mixin
    LayerLossOptions layers;

    @Mixin
    TrainingOptions training;

    @Mixin
    ReportOptions report;

    @Mixin
    QuietOption quiet;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (augment < 0) {
            throw new OptionException("--augment must be at least 0, not " + augment);
        }
        if (augment > 0 && hardWeight != null && hardWeight != 0) {
            throw new OptionException("--augment: rewritten sentences may not keep their labels, so --hard-weight must be 0");
        }
        if ((student == null) == (studentLayers == null)) {
            throw new NncjException("give either --student S.onnx or --student-layers I,J,... (exactly one)");
        }
        if (student != null && (studentHeads != null || studentFfn != null)) {
            throw new NncjException("--student-heads and --student-ffn shape a derived student; they need --student-layers");
        }
        if (test != null && report.evalData != null) {
            throw new NncjException("--test and --eval-data both name the data of the accuracy table: give one");
        }
        SelectionData sets = SelectionData.of("--eval", eval, test != null ? "--test" : "--eval-data",
                test != null ? test : report.evalData, "the student's weights kept");
        Path teacherFile = teachers.get(0);
        Path tokenizer = report.tokenizerFor(teacherFile);
        if (!Files.isRegularFile(tokenizer)) {
            throw NncjException.inFile(tokenizer, "no tokenizer (give --tokenizer FILE)");
        }
        // checked before training, not after an hour of it
        checkOutput();
        Evaluation evaluation = test != null
                ? new Evaluation.TextClassification(report.dataFile.labelled(test), tokenizer)
                : report.evaluation(teacherFile);
        DistillData distillData = report.dataFile.distillData(data, eval, tokenizer);
        List<OnnxModel> teacherModels = teachers.stream().map(InputModel::load).toList();
        DistillOptions options = options(distillData.train().isLabeled() && augment == 0);
        if (augment > 0) {
            int sentences = options.training().maxTrainExamples().orElse(distillData.train().size());
            distillData = Augmentation.of(distillData, EncoderLifter.lift(teacherModels.get(0), teacherFile), sentences,
                    augment, options.training().seed());
            options = options.withTraining(options.training().withMaxTrainExamples(distillData.train().size()));
        }
        OnnxModel studentModel;
        String derived = null;
        Optional<StructuredPruneResult> structure = Optional.empty();
        if (student != null) {
            studentModel = InputModel.load(student);
        } else {
            StudentShape shape = new StudentShape(studentLayers, optional(studentHeads), optional(studentFfn));
            StudentDerivation.DerivedStudent d = StudentDerivation.derive(teacherModels.get(0), teacherFile, shape);
            studentModel = d.model();
            structure = Optional.of(d.structure());
            if (options.layerMap().isEmpty()) {
                options = options.withLayerMap(d.layerMap());
            }
            derived = String.format(Locale.ROOT, "student: teacher layers %s, parameters %,d -> %,d", studentLayers,
                    d.teacherParameters(), d.studentParameters());
        }
        ProgressListener progress = quiet.progress();
        long start = System.nanoTime();
        DistillResult result = Distiller.distill(teacherModels, studentModel, distillData, options, progress,
                List.of(liveLoss(progress)));
        double seconds = (System.nanoTime() - start) / 1e9;
        // a model folder's files describe the student: a given one's own folder, or the teacher's with what was kept
        CompressionReport measured = report.saveAndMeasure(result.student(), teacherFile, student != null ? student : teacherFile,
                output, evaluation, progress, structure.map(ArchitectureEdit::of));
        print(result, measured, seconds, derived, sets);
        return 0;
    }

    private void checkOutput() {
        List<Path> inputs = new ArrayList<>(teachers);
        if (student != null) {
            inputs.add(student);
        }
        report.checkOutput(inputs, output, ModelOutput.Format.ONNX);
    }

    DistillOptions options(boolean labeled) {
        double hard = hardWeight != null ? hardWeight : labeled ? 1 : 0;
        FineTuneOptions trainingOptions = training.toOptions(spec, output);
        try {
            return new DistillOptions(softWeight, temperature, hard, layers.hiddenWeight, layers.attentionWeight,
                    layers.layerMap(), trainingOptions);
        } catch (IllegalArgumentException e) {
            throw new NncjException(e.getMessage());
        }
    }

    private static OptionalInt optional(Integer v) {
        return v == null ? OptionalInt.empty() : OptionalInt.of(v);
    }

    /** The live loss beside the progress bar (a running mean over 20 steps: single batches are noisy). */
    private static TrainingListener liveLoss(ProgressListener progress) {
        return new TrainingListener() {
            private final double[] recent = new double[20];
            private int n;

            @Override
            public void onStep(StepResult result) {
                recent[n++ % recent.length] = result.loss();
                double sum = 0;
                int count = Math.min(n, recent.length);
                for (int i = 0; i < count; i++) {
                    sum += recent[i];
                }
                if (progress instanceof ConsoleProgress console) {
                    console.message(String.format(Locale.ROOT, "loss %.4f", sum / count));
                }
            }
        };
    }

    private void print(DistillResult result, CompressionReport measured, double seconds, String derived, SelectionData sets) {
        PrintWriter out = spec.commandLine().getOut();
        List<Double> losses = result.losses();
        if (report.json) {
            Map<String, Object> obj = ReportPrinter.toJson(measured);
            obj.put("teachers", teachers.stream().map(Path::toString).toList());
            obj.put("student_layers", studentLayers);
            obj.put("steps", result.steps());
            obj.put("kept_step", result.keptStep());
            obj.put("stopped_early", result.stoppedEarly());
            obj.put("eval_accuracy_pytorch", result.evalAccuracy().isPresent() ? result.evalAccuracy().getAsDouble() : null);
            obj.put("first_loss", losses.get(0));
            obj.put("last_loss", losses.get(losses.size() - 1));
            obj.put("layer_map", result.layerMap().isEmpty() ? null : new TreeMap<>(result.layerMap()));
            obj.put("train_seconds", seconds);
            obj.put("data", sets.json());
            out.println(Json.write(obj));
            return;
        }
        out.printf(Locale.ROOT, "%s: distilled from %s%s: %d steps in %.1f s (loss %.4f -> %.4f)%s, kept step %d%s%n",
                output, teachers.get(0).getFileName(), teachers.size() > 1 ? " and " + (teachers.size() - 1) + " more" : "",
                result.steps(), seconds, losses.get(0), losses.get(losses.size() - 1),
                result.stoppedEarly() ? ", stopped early" : "", result.keptStep(),
                result.evalAccuracy().isPresent() ? String.format(Locale.ROOT, " (selection accuracy on %s %.4f, by PyTorch)",
                        eval.getFileName(), result.evalAccuracy().getAsDouble()) : "");
        if (derived != null) {
            out.println(derived);
        }
        ReportPrinter.print(measured, out);
        sets.line().ifPresent(out::println);
    }
}
