package dev.nncj.train.distill;

import dev.nncj.data.TinyTokenizer;
import dev.nncj.onnx.OnnxFiles;
import dev.nncj.onnx.OnnxModel;
import dev.nncj.onnx.TinyModels;
import dev.nncj.train.finetune.ClassifierHead;
import dev.nncj.train.finetune.FineTunerTest;
import dev.nncj.transformer.EmitOptions;
import dev.nncj.transformer.EncoderEmitter;
import dev.nncj.transformer.EncoderLifter;
import dev.nncj.transformer.EncoderSpec;
import dev.nncj.transformer.TinyEncoders;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Teachers and students for distillation tests, written into a test directory with TinyTokenizer
 * and the cats-and-dogs data of {@link FineTunerTest}: classifiers made of an encoder and a
 * {@link ClassifierHead} with 2 classes.
 */
public final class DistillFixtures {
    private DistillFixtures() {}

    /** tokenizer.json, train.tsv (64 rows), dev.tsv (40 rows) in {@code dir}. */
    public static void data(Path dir) throws IOException {
        TinyTokenizer.write(dir);
        FineTunerTest.catsAndDogs(dir.resolve("train.tsv"), 64, 1);
        FineTunerTest.catsAndDogs(dir.resolve("dev.tsv"), 40, 2);
    }

    /** A bag-of-embeddings classifier (TinyModels.tokenEmbedder + head), saved as {@code name}. */
    public static Path embedderClassifier(Path dir, String name, float noise, long headSeed) {
        OnnxModel m = TinyModels.tokenEmbedder(TinyTokenizer.VOCABULARY_SIZE, noise);
        ClassifierHead.attach(m, "last_hidden_state", 2, headSeed);
        Path file = dir.resolve(name);
        OnnxFiles.save(m, file);
        return file;
    }

    /**
     * A tiny 4-layer encoder classifier in emitted form (hidden 8, 2 heads), keeping only
     * {@code layers} of it, saved as {@code name}. The same head seed gives the same head.
     */
    public static Path encoderClassifier(Path dir, String name, List<Integer> layers, long headSeed) {
        OnnxModel encoder = TinyEncoders.build(TinyEncoders.Style.PYTORCH, List.of(1L, 2L, 3L, 4L), false);
        EncoderSpec spec = EncoderLifter.lift(encoder, Path.of("tiny"));
        EncoderSpec kept = spec.withLayers(layers.stream().map(spec.layers()::get).toList());
        OnnxModel m = EncoderEmitter.emit(kept, EmitOptions.defaults());
        ClassifierHead.attach(m, "last_hidden_state", 2, headSeed);
        Path file = dir.resolve(name);
        OnnxFiles.save(m, file);
        return file;
    }

    public static DistillData trainAndDev(Path dir) {
        return DistillData.load(dir.resolve("train.tsv"), dir.resolve("dev.tsv"), dir.resolve("tokenizer.json"));
    }
}
