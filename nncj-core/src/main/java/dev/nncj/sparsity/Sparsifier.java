package dev.nncj.sparsity;

import ai.onnx.proto.OnnxMl.SparseTensorProto;
import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.calibration.CalibrationData;
import dev.nncj.calibration.MeanSquares;
import dev.nncj.onnx.Graph;
import dev.nncj.onnx.NodeFilter;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;

/**
 * Unstructured sparsification of any ONNX model: selects the weights ({@link PrunableWeights}),
 * chooses which elements to zero ({@link MagnitudeMask} or {@link NmMask}, ranking by |w| or by
 * {@link InputScaledMagnitude} when the inputs' statistics are given), zeroes them in the
 * raw bytes (every kept weight keeps every bit), then stores each pruned weight as an ONNX
 * sparse_initializer where that is smaller ({@link SparseInitializers}).
 *
 * <p>What this buys is size, not speed: ONNX Runtime's CPU provider densifies sparse initializers
 * when it loads the model and runs the same dense kernels, so latency is unchanged.
 */
public final class Sparsifier {
    /**
     * Sentences per ONNX Runtime call when measuring the inputs' statistics: 16, the batch the
     * published Wanda figures were measured with (padding makes the statistics depend slightly on it).
     */
    public static final int CALIBRATION_BATCH_SIZE = 16;

    private Sparsifier() {}

    /**
     * Sparsifies {@code model} in place.
     *
     * @param source the model's file, named in errors
     * @throws NncjException when no weight can be pruned
     */
    public static SparsifyResult sparsify(OnnxModel model, Path source, SparsifyOptions options) {
        Graph graph = model.graph();
        List<PrunableWeight> selected = PrunableWeights.find(graph, options.filter(), options.includeEmbeddings());
        if (selected.isEmpty()) {
            throw NncjException.inFile(source, "has no prunable weights: no MatMul, Gemm or Conv"
                    + (options.includeEmbeddings() ? " (nor token embedding)" : "")
                    + " reads a floating-point initializer that ", dev.nncj.OptionName.of("include"), "/", dev.nncj.OptionName.of("exclude"), " select");
        }
        List<Tensor> tensors = selected.stream().map(w -> graph.initializer(w.name()).orElseThrow()).toList();
        List<float[]> values = tensors.stream().map(Tensor::toFloats).toList();
        List<String> notes = new ArrayList<>();
        List<BitSet> masks = masks(selected, tensors, ranking(graph, selected, tensors, values, options.inputMeanSquares()),
                options.pattern(), notes);

        for (int i = 0; i < selected.size(); i++) {
            graph.replaceInitializer(zeroed(tensors.get(i), masks.get(i)));
        }
        return store(model, selected, options.storage(), notes);
    }

    /**
     * The activations the prunable weights multiply (each MatMul/Gemm/Conv's first input), whose
     * statistics {@link SparsifyOptions#withInputMeanSquares} takes.
     */
    public static List<String> weightInputs(Graph graph, NodeFilter filter) {
        return PrunableWeights.find(graph, filter, false).stream()
                .map(w -> graph.node(w.node()).orElseThrow().input(0)).distinct().toList();
    }

    /**
     * E[x_k^2] of every activation the weights {@code filter} selects multiply, over calibration
     * sentences or images: what {@link SparsifyOptions#withInputMeanSquares} takes to rank by Wanda's score.
     */
    public static java.util.Map<String, double[]> inputMeanSquares(OnnxModel model, NodeFilter filter, CalibrationData data,
                                                                   ProgressListener progress) {
        return MeanSquares.measure(model, weightInputs(model.graph(), filter), data, progress);
    }

    /**
     * Stores the zeros already in {@code weights} (pruned by another method: movement pruning's
     * trained masks) as {@link #sparsify} stores its own: each weight becomes an ONNX
     * sparse_initializer where that is smaller, with {@link Storage#SPARSE_INITIALIZERS}.
     */
    public static SparsifyResult store(OnnxModel model, List<PrunableWeight> weights, Storage storage, List<String> notes) {
        Graph graph = model.graph();
        List<WeightSparsity> report = new ArrayList<>();
        for (PrunableWeight w : weights) {
            Tensor pruned = graph.initializer(w.name()).orElseThrow(() -> new IllegalArgumentException(
                    "no dense initializer " + w.name()));
            long zeros = countZeros(pruned.toFloats());
            boolean sparse = false;
            if (storage == Storage.SPARSE_INITIALIZERS) {
                Optional<SparseTensorProto> encoded = SparseInitializers.encodeIfSmaller(pruned);
                if (encoded.isPresent()) {
                    graph.removeInitializer(pruned.name());
                    graph.addSparseInitializer(encoded.get());
                    sparse = true;
                }
            }
            report.add(new WeightSparsity(w.name(), w.opType(), pruned.numElements(), zeros, sparse));
        }
        if (report.stream().anyMatch(WeightSparsity::storedSparse) && model.irVersion() < SPARSE_IR_VERSION) {
            model.setIrVersion(SPARSE_IR_VERSION);
        }
        return new SparsifyResult(model, report, notes);
    }

    /** sparse_initializer arrived in ONNX IR version 6 (ONNX 1.6); older files cannot carry it. */
    static final long SPARSE_IR_VERSION = 6;

    /** What each weight is ranked by: |w|, or Wanda's score where its input's statistics were measured. */
    private static List<float[]> ranking(Graph graph, List<PrunableWeight> selected, List<Tensor> tensors, List<float[]> values,
                                         java.util.Map<String, double[]> inputMeanSquares) {
        List<float[]> ranked = new ArrayList<>();
        for (int i = 0; i < selected.size(); i++) {
            PrunableWeight w = selected.get(i);
            double[] stats = w.reductionAxis() < 0 ? null
                    : inputMeanSquares.get(graph.node(w.node()).orElseThrow().input(0));
            ranked.add(stats == null ? values.get(i)
                    : InputScaledMagnitude.scores(values.get(i), tensors.get(i).shape(), w.reductionAxis(), stats));
        }
        return ranked;
    }

    private static List<BitSet> masks(List<PrunableWeight> selected, List<Tensor> tensors, List<float[]> values,
                                      PruningPattern pattern, List<String> notes) {
        if (pattern instanceof PruningPattern.Magnitude mag) {
            if (mag.scope() == PruningPattern.Scope.GLOBAL) {
                long total = values.stream().mapToLong(v -> v.length).sum();
                return MagnitudeMask.smallest(values, MagnitudeMask.count(mag.sparsity(), total));
            }
            pattern = new PruningPattern.LayerRates(List.of(), mag.sparsity()); // every tensor at the same rate
        }
        if (pattern instanceof PruningPattern.LayerRates rates) {
            List<BitSet> masks = new ArrayList<>();
            for (int i = 0; i < selected.size(); i++) {
                float[] v = values.get(i);
                masks.add(MagnitudeMask.smallest(List.of(v), MagnitudeMask.count(rates.sparsityOf(selected.get(i)), v.length)).get(0));
            }
            return masks;
        }
        PruningPattern.NofM nm = (PruningPattern.NofM) pattern;
        List<BitSet> masks = new ArrayList<>();
        for (int i = 0; i < selected.size(); i++) {
            PrunableWeight w = selected.get(i);
            Tensor t = tensors.get(i);
            Optional<BitSet> mask = NmMask.of(values.get(i), t.shape(), w.reductionAxis(), nm);
            if (mask.isEmpty()) {
                notes.add(w.name() + " kept dense: its reduction axis (" + t.dim(w.reductionAxis())
                        + ") is not a multiple of " + nm.m());
            }
            masks.add(mask.orElseGet(BitSet::new));
        }
        return masks;
    }

    /** A copy of {@code t} with the masked elements' bytes set to zero (+0.0 in every float type). */
    static Tensor zeroed(Tensor t, BitSet mask) {
        if (mask.isEmpty()) {
            return t;
        }
        int width = t.type().bits() / 8;
        ByteBuffer copy = ByteBuffer.allocate(Math.toIntExact(t.byteSize())).order(ByteOrder.LITTLE_ENDIAN);
        copy.put(t.rawData()).flip();
        byte[] bytes = copy.array();
        for (int i = mask.nextSetBit(0); i >= 0; i = mask.nextSetBit(i + 1)) {
            java.util.Arrays.fill(bytes, i * width, (i + 1) * width, (byte) 0);
        }
        return Tensor.ofRaw(t.name(), t.type(), t.shape(), copy);
    }

    private static long countZeros(float[] values) {
        long zeros = 0;
        for (float v : values) {
            if (v == 0f) {
                zeros++;
            }
        }
        return zeros;
    }
}
