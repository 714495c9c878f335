package dev.nncj.export;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.nncj.NncjException;
import dev.nncj.OutputFiles;
import dev.nncj.ProgressListener;
import dev.nncj.TempFiles;
import dev.nncj.data.EncodedBatch;
import dev.nncj.data.TextTokenizer;
import dev.nncj.eval.FloatArray;
import dev.nncj.eval.TextModelSession;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.TokenEmbedding;
import dev.nncj.runtime.InputSynthesizer;
import dev.nncj.runtime.OrtMessages;
import dev.nncj.runtime.OrtSessions;
import dev.nncj.runtime.RuntimeOptions;
import dev.nncj.runtime.SessionInputs;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Writes an ONNX model in ORT format, the file ONNX Runtime Mobile's reduced builds load (Android,
 * iOS, web), and proves it: the file is loaded back by ONNX Runtime and its outputs are compared with
 * the ONNX model's on sample inputs before it gets its name.
 *
 * <p>Optimization level: {@link #OPTIMIZATION}, ORT's basic graph optimizations (constant folding,
 * redundant-node elimination). They keep the graph in standard ONNX operators, so the file runs on any
 * execution provider (CPU, XNNPACK, NNAPI, Core ML); extended and higher levels fuse nodes into
 * CPU-provider-only contrib operators or CPU-specific layouts, tying the file to the machine that
 * converted it. ORT's own converter bakes in the basic level by default for the same reason.
 *
 * <p>The check runs both files at that same level, so ONNX Runtime executes the same graph with the same
 * kernels and any difference is the conversion's: the outputs then agree exactly (0 on MiniLM and
 * SST-2), and {@link #TOLERANCE}, 1e-5 absolute on every output value, is a bar a lost weight or a
 * dropped node (differences of 1e-2 and more) cannot pass. Against the ONNX model at ORT's default
 * level instead, fused attention and LayerNorm kernels reorder float sums and MiniLM's hidden states
 * (values up to ~10) differ by 2e-5: rounding, not a conversion error, so that is not the reference.
 */
public final class OrtFormatExport {
    /** The graph optimizations baked into the file: basic, portable across execution providers. */
    public static final RuntimeOptions.Optimization OPTIMIZATION = RuntimeOptions.Optimization.BASIC;
    /** Largest absolute difference allowed between an output of the ORT file and of the ONNX model. */
    public static final double TOLERANCE = 1e-5;
    private static final int SENTENCE_BATCH = 8;
    /** How both models run for the check: one thread, at the level the file was optimized at. */
    private static final RuntimeOptions CHECK = RuntimeOptions.defaults().withOptimization(OPTIMIZATION);

    private OrtFormatExport() {}

    /** The inputs the two models are compared on. */
    public sealed interface Samples permits Sentences, Synthesized {}

    /** A text model's inputs: these sentences, tokenized, in batches of 8. */
    public record Sentences(List<String> sentences, TextTokenizer tokenizer) implements Samples {
        public Sentences {
            if (sentences.isEmpty()) {
                throw new NncjException("no sentences to compare the exported model on");
            }
        }
    }

    /** Inputs made from the model's signature ({@link InputSynthesizer}), one seed per batch. */
    public record Synthesized(int batches, int batchSize, int sequenceLength) implements Samples {
        public static Synthesized defaults() {
            return new Synthesized(4, 2, 32);
        }
    }

    /**
     * The file written and what the check found.
     *
     * @param samples inputs (sentences, or synthesized examples) both models ran on
     * @param outputs the float outputs compared
     * @param maxAbsDifference the largest absolute difference over all of them
     */
    public record Result(Path file, long bytes, int samples, List<String> outputs, double maxAbsDifference) {}

    /**
     * Converts {@code onnx} to {@code target} in ORT format. The file is written under a temporary name
     * beside the target and renamed only once it loaded and matched; otherwise nothing is left.
     *
     * @throws NncjException "TARGET: the ORT-format model's output 'O' differs ..." when the check fails,
     *     or ONNX Runtime's one-line reason when it cannot load the model or its conversion
     */
    public static Result export(Path onnx, Path target, Samples samples, ProgressListener progress) {
        Path absolute = target.toAbsolutePath();
        Path createdFolder = firstMissing(absolute.getParent());
        Path tmp = null;
        boolean written = false;
        try {
            Files.createDirectories(absolute.getParent());
            tmp = OutputFiles.tempBeside(absolute);
            OrtSessions.saveOrtFormat(onnx, tmp, OPTIMIZATION);
            Comparison comparison = samples instanceof Sentences sentences
                    ? compareOnSentences(onnx, tmp, sentences, progress)
                    : compareOnSynthesized(onnx, tmp, (Synthesized) samples, progress);
            if (comparison.outputs.isEmpty()) {
                throw NncjException.inFile(onnx, "has no float output to compare its ORT-format version on");
            }
            if (comparison.worst > TOLERANCE) {
                throw NncjException.inFile(target, String.format(java.util.Locale.ROOT,
                        "the ORT-format model's output '%s' differs from the ONNX model's by %.3g (more than %.0e); not written",
                        comparison.worstOutput, comparison.worst, TOLERANCE));
            }
            OutputFiles.moveIntoPlace(tmp, absolute);
            written = true;
            return new Result(target, Files.size(absolute), comparison.samples, List.copyOf(comparison.outputs.keySet()),
                    comparison.worst);
        } catch (IOException e) {
            throw NncjException.inFile(target, "cannot write: " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                TempFiles.delete(tmp);
            }
            if (!written && createdFolder != null) {
                TempFiles.delete(createdFolder); // only folders this call created, empty again
            }
        }
    }

    private static Comparison compareOnSentences(Path onnx, Path ortFile, Sentences samples, ProgressListener progress) {
        Comparison comparison = new Comparison();
        progress.start("compare ORT format", samples.sentences().size());
        try (TextModelSession reference = new TextModelSession(onnx, CHECK, Optional.empty());
             TextModelSession exported = TextModelSession.ofOrtFormat(ortFile, CHECK, Optional.empty())) {
            List<String> outputs = reference.outputNames();
            List<String> sentences = samples.sentences();
            for (int from = 0; from < sentences.size(); from += SENTENCE_BATCH) {
                List<String> slice = sentences.subList(from, Math.min(sentences.size(), from + SENTENCE_BATCH));
                EncodedBatch batch = samples.tokenizer().encode(slice);
                comparison.add(reference.runAll(batch, outputs), exported.runAll(batch, outputs), slice.size());
                progress.advance(slice.size());
            }
        } finally {
            progress.finish();
        }
        return comparison;
    }

    private static Comparison compareOnSynthesized(Path onnx, Path ortFile, Synthesized samples, ProgressListener progress) {
        Comparison comparison = new Comparison();
        // token ids must stay inside the model's embedding table
        InputSynthesizer synthesizer = TokenEmbedding.vocabularySize(OnnxFiles.load(onnx).graph())
                .map(v -> new InputSynthesizer(samples.batchSize(), samples.sequenceLength()).withVocabSize(v))
                .orElse(new InputSynthesizer(samples.batchSize(), samples.sequenceLength()));
        progress.start("compare ORT format", samples.batches());
        try (OrtSession reference = OrtSessions.open(onnx, CHECK);
             OrtSession exported = OrtSessions.openOrtFormat(ortFile, CHECK)) {
            for (int i = 0; i < samples.batches(); i++) {
                try (SessionInputs inputs = synthesizer.withSeed(InputSynthesizer.DEFAULT_SEED + i).synthesize(reference);
                     OrtSession.Result expected = reference.run(inputs.tensors());
                     OrtSession.Result actual = exported.run(inputs.tensors())) {
                    comparison.add(floats(expected), floats(actual), samples.batchSize());
                }
                progress.advance(1);
            }
        } catch (OrtException e) {
            throw NncjException.inFile(onnx, "ONNX Runtime failed to run the model: " + OrtMessages.firstLine(e), e);
        } finally {
            progress.finish();
        }
        return comparison;
    }

    /** The float outputs of one run, copied out of native memory. */
    private static Map<String, FloatArray> floats(OrtSession.Result result) {
        Map<String, FloatArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, OnnxValue> e : result) {
            if (e.getValue() instanceof OnnxTensor t && t.getInfo().type == ai.onnxruntime.OnnxJavaType.FLOAT) {
                FloatBuffer buffer = t.getFloatBuffer();
                float[] data = new float[buffer.remaining()];
                buffer.get(data);
                out.put(e.getKey(), new FloatArray(t.getInfo().getShape(), data));
            }
        }
        return out;
    }

    /** The largest difference seen so far, per output and overall. */
    private static final class Comparison {
        final Map<String, Double> outputs = new LinkedHashMap<>();
        int samples;
        double worst;
        String worstOutput = "";

        void add(Map<String, FloatArray> expected, Map<String, FloatArray> actual, int count) {
            samples += count;
            for (Map.Entry<String, FloatArray> e : expected.entrySet()) {
                FloatArray got = actual.get(e.getKey());
                double difference = got == null || !java.util.Arrays.equals(got.shape(), e.getValue().shape())
                        ? Double.POSITIVE_INFINITY : maxAbsDifference(e.getValue().data(), got.data());
                outputs.merge(e.getKey(), difference, Math::max);
                if (difference > worst || worstOutput.isEmpty()) {
                    worst = Math.max(worst, difference);
                    worstOutput = e.getKey();
                }
            }
        }

        private static double maxAbsDifference(float[] a, float[] b) {
            double max = 0;
            for (int i = 0; i < a.length; i++) {
                double d = Math.abs((double) a[i] - b[i]);
                if (!(d <= max)) { // NaN counts as the largest difference
                    max = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
                }
            }
            return max;
        }
    }

    /** The outermost folder of {@code folder}'s path that does not exist yet, or null. */
    private static Path firstMissing(Path folder) {
        Path missing = null;
        for (Path p = folder; p != null && !Files.exists(p); p = p.getParent()) {
            missing = p;
        }
        return missing;
    }
}
