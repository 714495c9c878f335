package dev.nncj.transformer;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.calibration.ActivationAccumulator;
import dev.nncj.calibration.ActivationObserver;
import dev.nncj.calibration.CalibrationData;
import dev.nncj.calibration.ObservedBatch;
import dev.nncj.data.EncodedBatch;
import dev.nncj.eval.FloatArray;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Data-driven importance on calibration sentences, measured by ONNX Runtime on the spec itself
 * (emitted with its internals exposed as extra outputs, one {@link ActivationObserver} sweep for all layers):
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
    /**
     * Sentences per ONNX Runtime call: 32, the batch the published activation-importance figures were
     * measured with (padding makes per-token values depend slightly on how sentences are grouped).
     */
    public static final int CALIBRATION_BATCH_SIZE = 32;

    public static final ImportanceCriterion CRITERION = new ImportanceCriterion("activation",
            "mean size of each unit's contribution on calibration sentences",
            data -> new ActivationImportance(data.sentences(), data.tokenizer(), CALIBRATION_BATCH_SIZE));

    private final CalibrationData.Sentences data;

    public ActivationImportance(CalibrationData.Sentences data) {
        if (data.sentences().isEmpty()) {
            throw new NncjException("activation importance needs calibration sentences; none were given");
        }
        this.data = data;
    }

    public ActivationImportance(List<String> sentences, Path tokenizer, int batchSize) {
        this(new CalibrationData.Sentences(sentences, tokenizer, batchSize));
    }

    @Override
    public String name() {
        return "activation";
    }

    @Override
    public ImportanceScores score(EncoderSpec spec) {
        Sums sums = new Sums(spec);
        ActivationObserver.observe(EncoderEmitter.emit(spec, EmitOptions.defaults().withInternals()), sums.taps(), data,
                "scoring by activation", ProgressListener.NONE, sums);
        return sums.scores();
    }

    /** The per-unit sums over real tokens, batch by batch, and the scores they give. */
    private static final class Sums implements ActivationAccumulator {
        private final EncoderSpec spec;
        private final List<double[]> heads = new ArrayList<>();
        private final List<double[]> neurons = new ArrayList<>();
        private final List<float[]> outputRows = new ArrayList<>();
        private long tokens;

        Sums(EncoderSpec spec) {
            this.spec = spec;
            for (EncoderLayer l : spec.layers()) {
                heads.add(new double[l.attention().heads()]);
                neurons.add(new double[l.ffn().width()]);
                outputRows.add(l.attention().output().weight().toFloats());
            }
        }

        /** Each layer's attention context and FFN activation, which the emitter exposes with its internals. */
        List<String> taps() {
            List<String> taps = new ArrayList<>();
            for (int i = 0; i < spec.layers().size(); i++) {
                taps.add(EmitOptions.contextOutput(i));
                taps.add(EmitOptions.activationOutput(i));
            }
            return taps;
        }

        @Override
        public void accept(ObservedBatch observed, Map<String, FloatArray> out) {
            EncodedBatch batch = observed.tokens().orElseThrow();
            for (int i = 0; i < spec.layers().size(); i++) {
                EncoderLayer l = spec.layers().get(i);
                accumulateHeads(out.get(EmitOptions.contextOutput(i)), batch, l.attention(), outputRows.get(i), heads.get(i));
                accumulateNeurons(out.get(EmitOptions.activationOutput(i)), batch, neurons.get(i));
            }
            for (int r = 0; r < batch.batchSize(); r++) {
                tokens += batch.length(r);
            }
        }

        ImportanceScores scores() {
            for (int i = 0; i < spec.layers().size(); i++) {
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
}
