package dev.nncj.lowrank;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.calibration.MeanSquares;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.Graph;
import dev.nncj.onnx.Node;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.onnx.TokenEmbedding;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Low-rank factorization of any ONNX model: each selected MatMul/Gemm weight W [in, out] becomes
 * the rank-r truncation of its SVD, stored as two thin factors L = U_r sqrt(S_r) and R = sqrt(S_r)
 * V_r^T and computed as two products (x L) R, which costs r (in + out) parameters and multiply-adds
 * per row instead of in * out. A weight whose factors would not be smaller (r (in + out) >= in * out)
 * is left as it is and listed. Optionally the token-embedding table V x H becomes V x E and E x H
 * (ALBERT's factorized embedding parameterization, Lan et al. 2020, here by SVD of a trained table).
 */
public final class Factorizer {
    /**
     * Sentences per ONNX Runtime call when measuring the inputs' statistics: 16, the batch the
     * published activation-aware figures were measured with (padding makes the statistics depend slightly on it).
     */
    public static final int CALIBRATION_BATCH_SIZE = 16;

    private Factorizer() {}

    /**
     * Factorizes {@code model} in place.
     *
     * @param source the model's file, named in errors
     * @throws NncjException when the model has no MatMul/Gemm weight (nor, if asked, an embedding table)
     */
    public static FactorizeResult factorize(OnnxModel model, Path source, FactorizeOptions options,
                                            ProgressListener progress) {
        Graph graph = model.graph();
        long before = graph.parameterCount();
        FactorizableWeights.Found found = options.ranks().isEmpty()
                ? new FactorizableWeights.Found(List.of(), List.of(), true) : FactorizableWeights.find(graph, options);
        if (!found.anyWeight()) {
            throw NncjException.inFile(source, "has no MatMul or Gemm with a constant weight to factorize");
        }
        List<Candidate> candidates = new ArrayList<>(found.candidates());
        List<SkippedWeight> skipped = new ArrayList<>(found.skipped());
        if (options.embeddingRank().isPresent()) {
            embeddingCandidate(graph, source, options.embeddingRank().getAsInt(), skipped).ifPresent(candidates::add);
        }
        if (candidates.isEmpty() && skipped.isEmpty()) {
            throw NncjException.inFile(source, "no MatMul or Gemm weight matches the rank rules and ", dev.nncj.OptionName.of("include"), "/", dev.nncj.OptionName.of("exclude"));
        }
        Map<String, double[]> meanSquares = options.calibration().isEmpty() ? Map.of()
                : MeanSquares.measure(model, candidates.stream().filter(c -> !c.nodes().get(0).is("Gather"))
                        .flatMap(c -> c.nodes().stream().map(n -> n.input(0))).distinct().toList(),
                        options.calibration().get(), progress);
        LowRankRewrite rewrite = new LowRankRewrite(graph);
        List<FactorizedWeight> done = new ArrayList<>();
        progress.start("factorizing", candidates.size());
        try {
            for (Candidate c : candidates) {
                factorize(c, weighting(c, meanSquares), options.keepUnprofitable(), rewrite, done, skipped, source);
                progress.advance(1);
            }
        } finally {
            progress.finish();
        }
        return new FactorizeResult(done, skipped, before, graph.parameterCount());
    }

    /**
     * The input weighting of a product's weight from calibration: E[x_k^2] of its input, averaged
     * over the nodes sharing the weight; empty without calibration (and for the embedding table).
     */
    private static Optional<InputWeighting> weighting(Candidate c, Map<String, double[]> meanSquares) {
        if (meanSquares.isEmpty() || c.nodes().get(0).is("Gather")) {
            return Optional.empty();
        }
        double[] sum = new double[c.in()];
        for (Node n : c.nodes()) {
            double[] m = meanSquares.get(n.input(0));
            if (m == null || m.length != sum.length) {
                return Optional.empty();
            }
            for (int k = 0; k < sum.length; k++) {
                sum[k] += m[k] / c.nodes().size();
            }
        }
        return Optional.of(InputWeighting.of(sum));
    }

    /**
     * Factorizes one weight into {@code done}, or lists it in {@code skipped} when that would not save
     * parameters. With a weighting, ranks and energies are those of diag(s) W, the output error's.
     */
    private static void factorize(Candidate c, Optional<InputWeighting> weighting, boolean keepUnprofitable,
                                  LowRankRewrite rewrite, List<FactorizedWeight> done, List<SkippedWeight> skipped,
                                  Path source) {
        boolean embedding = c.nodes().get(0).is("Gather");
        int in = embedding ? (int) c.weight().dim(0) : c.in();
        int out = embedding ? (int) c.weight().dim(1) : c.out();
        float[] w = embedding ? c.weight().toFloats() : c.matrix();
        Svd svd = Svd.of(weighting.map(s -> s.scaleRows(w, out)).orElse(w), in, out).orElseThrow(() -> NncjException.inFile(
                source, "tensor " + NncjException.printable(c.weight().name()) + ": the SVD of its " + in + " x " + out + " matrix"
                        + (weighting.isPresent() ? ", scaled by the calibration statistics," : "")
                        + " did not converge (NaN or infinite values?)"));
        int r = c.rule().rank(svd);
        if (!keepUnprofitable && (long) r * (in + out) >= (long) in * out) {
            skipped.add(new SkippedWeight(c.weight().name(), c.nodes().get(0).name(), String.format(Locale.ROOT,
                    "no saving at rank %d of %d: %d x (%d + %d) = %,d >= %d x %d = %,d parameters",
                    r, svd.fullRank(), r, in, out, (long) r * (in + out), in, out, (long) in * out)));
            return;
        }
        Svd.Factors factors = svd.factors(r);
        rewrite.apply(c.weight(), c.nodes(), weighting.map(s -> s.unscale(factors)).orElse(factors), in, out);
        double total = svd.energy();
        done.add(new FactorizedWeight(c.weight().name(), c.nodes().stream().map(Node::name).toList(),
                c.nodes().get(0).opType(), in, out, r, svd.fullRank(), svd.keptEnergy(r),
                total == 0 ? 0 : Math.sqrt(svd.tailEnergy(r) / total)));
    }

    /** The token-embedding table when every reader is a plain Gather of rows, else the reason it is skipped. */
    private static Optional<Candidate> embeddingCandidate(Graph graph, Path source, int rank,
                                                                    List<SkippedWeight> skipped) {
        Tensor table = TokenEmbedding.table(graph).orElseThrow(() -> NncjException.inFile(source,
                dev.nncj.OptionName.of("embeddingRank"), ": no token-embedding table (a Gather from a constant table indexed by a graph input)"));
        List<Node> users = graph.consumers(table.name());
        String reason = null;
        if (!graph.isInitializer(table.name()) || table.type() != DataType.FLOAT) {
            reason = "the table is not a float32 initializer (" + table.type().displayName() + ")";
        } else {
            for (Node u : users) {
                if (!u.is("Gather") || !u.domain().isEmpty() || !u.input(0).equals(table.name())
                        || u.intAttribute("axis", 0) != 0) {
                    reason = "the table is also read by " + u.opType() + " '" + u.name() + "', not as a row lookup";
                    break;
                }
            }
        }
        if (reason != null) {
            skipped.add(new SkippedWeight(table.name(), users.isEmpty() ? "" : users.get(0).name(), reason));
            return Optional.empty();
        }
        return Optional.of(new Candidate(table, users, new RankRule.Fixed(rank)));
    }
}
