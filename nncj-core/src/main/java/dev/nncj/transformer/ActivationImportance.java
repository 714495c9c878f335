package dev.nncj.transformer;

import dev.nncj.NncjException;
import dev.nncj.TempFiles;
import dev.nncj.data.EncodedBatch;
import dev.nncj.data.TextTokenizer;
import dev.nncj.eval.FloatArray;
import dev.nncj.eval.TextModelSession;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.runtime.RuntimeOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Data-driven importance on calibration sentences, measured by ONNX Runtime on the spec itself
 * (emitted with its internals exposed as extra outputs, one sweep for all layers):
 * <ul>
 * <li>head j of a layer: the mean over real (unpadded) tokens of ||ctx_j Wo_j||, the L2 norm of
 *     that head's contribution to the attention output (ctx_j its d context values, Wo_j its d
 *     rows of the output projection);</li>
 * <li>FFN neuron i: mean |a_i| over real tokens times ||W2[i, :]||, the average size of the
 *     neuron's contribution to the FFN output.</li>
 * </ul>
 * Biases are shared by all heads and neurons and so do not enter a unit's score.
 */
public final class ActivationImportance implements ImportanceScorer {
    public static final ImportanceCriterion CRITERION = new ImportanceCriterion("activation",
            "mean size of each unit's contribution on calibration sentences",
            data -> new ActivationImportance(data.sentences(), data.tokenizer(), 32)); // sentences per ONNX Runtime run

    private final List<String> sentences;
    private final Path tokenizer;
    private final int batchSize;

    public ActivationImportance(List<String> sentences, Path tokenizer, int batchSize) {
        if (sentences.isEmpty()) {
            throw new NncjException("activation importance needs calibration sentences; none were given");
        }
        this.sentences = List.copyOf(sentences);
        this.tokenizer = tokenizer;
        this.batchSize = batchSize;
    }

    @Override
    public String name() {
        return "activation";
    }

    @Override
    public ImportanceScores score(EncoderSpec spec) {
        int layers = spec.layers().size();
        List<double[]> heads = new ArrayList<>();
        List<double[]> neurons = new ArrayList<>();
        List<float[]> outputRows = new ArrayList<>();
        for (EncoderLayer l : spec.layers()) {
            heads.add(new double[l.attention().heads()]);
            neurons.add(new double[l.ffn().width()]);
            outputRows.add(l.attention().output().weight().toFloats());
        }
        List<String> taps = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            taps.add(EmitOptions.contextOutput(i));
            taps.add(EmitOptions.activationOutput(i));
        }
        Path model = instrumented(spec);
        long tokens = 0;
        try (TextTokenizer tok = TextTokenizer.load(tokenizer);
             TextModelSession session = new TextModelSession(model, RuntimeOptions.defaults(), Optional.empty())) {
            for (int start = 0; start < sentences.size(); start += batchSize) {
                EncodedBatch batch = tok.encode(sentences.subList(start, Math.min(sentences.size(), start + batchSize)));
                Map<String, FloatArray> out = session.runAll(batch, taps);
                for (int i = 0; i < layers; i++) {
                    EncoderLayer l = spec.layers().get(i);
                    accumulateHeads(out.get(EmitOptions.contextOutput(i)), batch, l.attention(), outputRows.get(i), heads.get(i));
                    accumulateNeurons(out.get(EmitOptions.activationOutput(i)), batch, neurons.get(i));
                }
                for (int r = 0; r < batch.batchSize(); r++) {
                    tokens += batch.length(r);
                }
            }
        } finally {
            TempFiles.delete(model.getParent());
        }
        for (int i = 0; i < layers; i++) {
            double[] h = heads.get(i);
            for (int j = 0; j < h.length; j++) {
                h[j] /= tokens;
            }
            double[] rowNorm = new double[neurons.get(i).length];
            MagnitudeImportance.addRowSquares(spec.layers().get(i).ffn().down(), rowNorm);
            double[] n = neurons.get(i);
            for (int j = 0; j < n.length; j++) {
                n[j] = n[j] / tokens * Math.sqrt(rowNorm[j]);
            }
        }
        return new ImportanceScores(heads, neurons);
    }

    /** Adds, for every real token, ||ctx_j Wo_j|| to head j's sum. */
    private static void accumulateHeads(FloatArray ctx, EncodedBatch batch, AttentionSpec a, float[] wo, double[] sums) {
        int seq = ctx.dim(1);
        int width = ctx.dim(2);
        int d = a.headSize();
        int hidden = a.output().out();
        float[] x = ctx.data();
        double[] y = new double[hidden];
        for (int b = 0; b < batch.batchSize(); b++) {
            for (int t = 0; t < seq; t++) {
                if (batch.attentionMask()[b][t] == 0) {
                    continue;
                }
                int base = (b * seq + t) * width;
                for (int j = 0; j < a.heads(); j++) {
                    java.util.Arrays.fill(y, 0);
                    for (int k = 0; k < d; k++) {
                        double c = x[base + j * d + k];
                        int row = (j * d + k) * hidden;
                        for (int o = 0; o < hidden; o++) {
                            y[o] += c * wo[row + o];
                        }
                    }
                    double sq = 0;
                    for (double v : y) {
                        sq += v * v;
                    }
                    sums[j] += Math.sqrt(sq);
                }
            }
        }
    }

    /** Adds, for every real token, |a_i| to neuron i's sum. */
    private static void accumulateNeurons(FloatArray act, EncodedBatch batch, double[] sums) {
        int seq = act.dim(1);
        int width = act.dim(2);
        float[] a = act.data();
        for (int b = 0; b < batch.batchSize(); b++) {
            for (int t = 0; t < seq; t++) {
                if (batch.attentionMask()[b][t] == 0) {
                    continue;
                }
                int base = (b * seq + t) * width;
                for (int i = 0; i < width; i++) {
                    sums[i] += Math.abs(a[base + i]);
                }
            }
        }
    }

    private static Path instrumented(EncoderSpec spec) {
        try {
            Path dir = TempFiles.createDirectory("nncj-importance");
            try {
                Path file = dir.resolve("instrumented.onnx");
                OnnxFiles.save(EncoderEmitter.emit(spec, EmitOptions.defaults().withInternals()), file);
                return file;
            } catch (RuntimeException e) {
                TempFiles.delete(dir);
                throw e;
            }
        } catch (IOException e) {
            throw new NncjException("cannot write a temporary model for activation importance: " + e.getMessage(), e);
        }
    }
}
