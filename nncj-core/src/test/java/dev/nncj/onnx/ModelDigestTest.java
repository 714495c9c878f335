package dev.nncj.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelDigestTest {
    @TempDir
    Path dir;

    /** A model written again (new provenance time, another producer, weights beside it) is the same model. */
    @Test
    void metadataProducerAndExternalDataDoNotChangeTheDigest() {
        OnnxModel first = TinyModels.linearRelu();
        first.putMetadata("nncj.steps", "[{\"time\":\"2026-12-03T10:42:54Z\"}]");
        OnnxModel again = TinyModels.linearRelu();
        again.putMetadata("nncj.steps", "[{\"time\":\"2026-12-04T13:42:54Z\"}]");
        again.setProducer("nncj", "0.2");
        Path file = dir.resolve("again.onnx");
        OnnxFiles.save(again, file, new SaveOptions(false, SaveOptions.ExternalData.ALWAYS, 0));

        assertThat(ModelDigest.sha256(OnnxFiles.load(file))).isEqualTo(ModelDigest.sha256(first)).hasSize(64);
    }

    @Test
    void anotherWeightOrOpsetIsAnotherModel() {
        String digest = ModelDigest.sha256(TinyModels.linearRelu());
        OnnxModel weight = TinyModels.linearRelu();
        weight.graph().replaceInitializer(Tensor.ofFloats("b", new long[] {3}, 0.1f, -0.2f, 0.30001f));
        OnnxModel opset = TinyModels.linearRelu();
        opset.setOpset(OnnxModel.DEFAULT_DOMAIN, 18);

        assertThat(ModelDigest.sha256(weight)).isNotEqualTo(digest);
        assertThat(ModelDigest.sha256(opset)).isNotEqualTo(digest);
    }
}
