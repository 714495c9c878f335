package dev.nncj.train.distill;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nncj.onnx.OnnxModel;
import dev.nncj.transformer.EncoderLifter;
import dev.nncj.transformer.EncoderSpec;
import dev.nncj.transformer.FamilyEncoders;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * A student derived from an ALBERT teacher (factorized embeddings, one layer's weights read by
 * every layer) keeps the sharing: its layers are pruned as one and stored once, so its size is
 * the embeddings plus one pruned layer, whatever the depth.
 */
class AlbertStudentTest {
    @Test
    void aStudentOfAnAlbertTeacherStoresItsOneSharedLayerOnce() {
        OnnxModel teacher = FamilyEncoders.build(FamilyEncoders.Family.ALBERT, List.of(1L, 2L, 3L));
        StudentDerivation.DerivedStudent student = StudentDerivation.derive(teacher, Path.of("albert.onnx"),
                new StudentShape(List.of(0, 2), OptionalInt.of(1), OptionalInt.of(8)));

        int hidden = 8;
        int e = FamilyEncoders.EMBEDDING;
        long embeddings = (14 + 16 + 2) * e + 2 * e + (e * hidden + hidden); // word, position, type; LN; projection
        long layer = 3 * (hidden * 4 + 4) + (4 * hidden + hidden) // one head of 4: Q, K, V, O
                + (hidden * 8 + 8) + (8 * hidden + hidden) + 2 * 2 * hidden; // FFN 8, two LayerNorms
        assertThat(student.studentParameters()).isEqualTo(embeddings + layer);
        assertThat(student.model().graph().parameterCount()).isEqualTo(embeddings + layer);
        EncoderSpec lifted = EncoderLifter.lift(student.model(), Path.of("student.onnx"));
        assertThat(lifted.layers()).hasSize(2);
        assertThat(lifted.layers().get(1)).isSameAs(lifted.layers().get(0));
    }
}
