package dev.nncj.cli.fuzz;

import ai.onnx.proto.OnnxMl.ModelProto;
import dev.nncj.data.TinyTokenizer;
import dev.nncj.onnx.DataType;
import dev.nncj.onnx.GraphBuilder;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.Tensor;
import dev.nncj.onnx.TensorProtos;
import dev.nncj.onnx.TinyModels;
import dev.nncj.transformer.TinyEncoders;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The valid models every mutation starts from, each a few hundred weights so a case costs
 * milliseconds, with the commands that read it.
 */
enum BaseModel {
    /**
     * <pre>
     * x[batch,8] ── MatMul(w[8,8]) ── Add(b[8]) ── Relu ── y[batch,8]
     * </pre>
     */
    MATMUL,
    /**
     * <pre>
     * x[batch,8] ── Gemm(x, w[8,8], b[8], transB=1) ── Relu ── y[batch,8]
     * </pre>
     */
    GEMM,
    /** {@link TinyEncoders}' fused BERT: 2 layers, hidden 8, over TinyTokenizer's 14 ids. */
    ENCODER,
    /** {@link TinyModels#bagOfWordsClassifier}: Gather, ReduceMean, 2 logits; eval scores it on a 3-line TSV. */
    CLASSIFIER;

    static final String DATA = "data.tsv";

    OnnxModel build() {
        return switch (this) {
            case MATMUL -> matMul(false);
            case GEMM -> matMul(true);
            case ENCODER -> TinyEncoders.build(TinyEncoders.Style.FUSED);
            case CLASSIFIER -> TinyModels.bagOfWordsClassifier(TinyTokenizer.VOCABULARY_SIZE);
        };
    }

    ModelProto proto() {
        return OnnxFiles.toProto(build(), TensorProtos::toProto);
    }

    /** The files a command needs beside the model: the tokenizer and, for eval, its data. */
    void writeCompanions(Path dir) {
        try {
            if (this == ENCODER || this == CLASSIFIER) {
                TinyTokenizer.write(dir);
            }
            if (this == CLASSIFIER) {
                Files.writeString(dir.resolve(DATA), "sentence\tlabel\nthe cat\t1\na dog\t0\ndogs\t0\n");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every command that reads this model, writing (if it writes) under {@code out}. */
    List<CliCommand> commands(Path model, Path out) {
        List<CliCommand> all = new ArrayList<>();
        all.add(CliCommand.inspect(model, false));
        all.add(CliCommand.inspect(model, true));
        all.add(CliCommand.bench(model));
        if (this == CLASSIFIER) {
            all.add(CliCommand.evalClassifier(model, model.resolveSibling(DATA)));
            all.add(CliCommand.compress("quantize", model, out.resolve("out.onnx"), "--mode", "dynamic-int8"));
            all.add(CliCommand.compress("sparsify", model, out.resolve("out.nncj"), "--sparsity", "0.5", "--include-embeddings"));
            all.add(CliCommand.compress("share", model, out.resolve("out.onnx"), "--clusters", "4", "--include-embeddings"));
            return all;
        }
        all.add(CliCommand.compress("quantize", model, out.resolve("out.onnx"), "--mode", "dynamic-int8"));
        all.add(CliCommand.compress("quantize", model, out.resolve("out.onnx"), "--mode", "int8-weight", "--block-size", "16"));
        all.add(CliCommand.compress("quantize", model, out.resolve("out.onnx"), "--mode", "int4-weight", "--block-size", "16"));
        if (this != ENCODER) {
            // fp16 hides the encoder's 14-row vocabulary from the latency comparison's input synthesizer,
            // which then feeds ids out of range: a limitation of the report, not of the input
            all.add(CliCommand.compress("quantize", model, out.resolve("out.onnx"), "--mode", "fp16"));
        }
        all.add(CliCommand.compress("sparsify", model, out.resolve("out.onnx"), "--sparsity", "0.5"));
        all.add(CliCommand.compress("sparsify", model, out.resolve("out.nncj"), "--sparsity", "0.5"));
        all.add(CliCommand.compress("factorize", model, out.resolve("out.onnx"), "--rank-ratio", "0.5"));
        all.add(CliCommand.compress("share", model, out.resolve("out.onnx"), "--clusters", "4"));
        all.add(CliCommand.compress("share", model, out.resolve("out.nncj"), "--clusters", "4"));
        return all;
    }

    private static OnnxModel matMul(boolean gemm) {
        GraphBuilder b = new GraphBuilder(gemm ? "tiny_gemm" : "tiny_matmul", 17);
        String x = b.input("x", DataType.FLOAT, "batch", 8);
        String w = b.initializer(Tensor.ofFloats("w", new long[] {8, 8}, TinyModels.gaussian(64, 7)));
        String bias = b.initializer(Tensor.ofFloats("b", new long[] {8}, TinyModels.gaussian(8, 8)));
        String pre = gemm
                ? b.node("Gemm", x, w, bias).set("transB", 1L).output(0)
                : b.op("Add", b.op("MatMul", x, w), bias);
        b.output(b.op("Relu", pre), "y", DataType.FLOAT, "batch", 8);
        return b.build();
    }
}
