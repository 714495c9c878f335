package dev.nncj.quantize;

import dev.nncj.NncjException;
import dev.nncj.ProgressListener;
import dev.nncj.calibration.MeanSquares;
import dev.nncj.onnx.Domains;
import dev.nncj.onnx.Graph;
import dev.nncj.onnx.OnnxModel;
import java.util.List;
import java.util.Map;

/**
 * Weight-only int8 / int4: MatMul weights become com.microsoft MatMulNBits and the token-embedding
 * table is stored in blocks too ({@link EmbeddingBlockRewrite}), both block-wise along the reduction
 * (hidden) axis; activations stay float32, so ONNX Runtime dequantizes block by block inside its
 * kernels, and a lookup decodes only the rows it reads.
 */
public final class BlockWeightQuantizer implements ModelQuantizer {
    /** MatMulNBits and GatherBlockQuantized take power-of-two blocks of at least 16; above 256 int4 loses too much. */
    static final int MIN_BLOCK = 16;
    static final int MAX_BLOCK = 256;

    private final int bits;

    public BlockWeightQuantizer(int bits) {
        if (bits != 4 && bits != 8) {
            throw new IllegalArgumentException("bits must be 4 or 8");
        }
        this.bits = bits;
    }

    @Override
    public QuantizationResult quantize(OnnxModel model, QuantizeOptions options, ProgressListener progress) {
        checkBlockSize(options.blockSize());
        Map<String, double[]> stats = Map.of();
        if (options.errorCompensation()) {
            Calibration calibration = options.calibration().orElseThrow(() -> new NncjException(
                    dev.nncj.OptionName.of("errorCompensation"), " needs ", dev.nncj.OptionName.of("calibration"), " (sentences of the task)"));
            Graph graph = model.graph();
            List<String> activations = graph.nodes().stream()
                    .filter(n -> n.is("MatMul") && options.nodes().accepts(n) && MatMulWeight.find(graph, n).found())
                    .map(n -> n.input(0)).distinct().toList();
            stats = MeanSquares.measure(model, activations, calibration.data(), progress);
        }
        QuantizationLog log = new QuantizationLog();
        new MatMulNBitsRewrite(bits, options.blockSize(), options.symmetric(), true)
                .apply(model.graph(), options.nodes(), log, stats);
        if (options.errorCompensation()) {
            log.note("activation-aware scaling (AWQ) from " + options.calibration().orElseThrow().sentences().size()
                    + " calibration sentences");
        }
        if (options.quantizeEmbeddings()) {
            new EmbeddingBlockRewrite(bits, options.blockSize(), options.symmetric(), true)
                    .apply(model.graph(), options.nodes(), log);
        } else {
            log.note("token-embedding table kept float, as asked");
        }
        if (log.quantizedCount() > 0) {
            model.requireOpset(Domains.MICROSOFT, 1);
        } else {
            log.note("no MatMul with a constant weight and no token-embedding table found: nothing quantized");
        }
        return log.result(model);
    }

    static void checkBlockSize(int blockSize) {
        if (blockSize < MIN_BLOCK || blockSize > MAX_BLOCK || Integer.bitCount(blockSize) != 1) {
            throw new NncjException(dev.nncj.OptionName.of("blockSize"), " " + blockSize + ": must be a power of 2 from " + MIN_BLOCK + " to "
                    + MAX_BLOCK);
        }
    }
}
