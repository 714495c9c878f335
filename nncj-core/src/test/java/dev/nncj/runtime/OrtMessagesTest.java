package dev.nncj.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OrtException;
import org.junit.jupiter.api.Test;

class OrtMessagesTest {
    @Test
    void keepsTheFirstLineOfOrtsOwnMessageWithoutJavaAndLoadPrefixes() {
        OrtException e = new OrtException(OrtException.OrtErrorCode.ORT_NOT_IMPLEMENTED,
                "Load model from /tmp/m.onnx failed:Could not find an implementation for Foo(1) node with name 'x'"
                        + "\n  at some C++ frame\n  at another");
        assertThat(OrtMessages.firstLine(e))
                .isEqualTo("Could not find an implementation for Foo(1) node with name 'x'");
    }

    @Test
    void aMessagelessExceptionIsNamedByItsClass() {
        assertThat(OrtMessages.firstLine(new IllegalStateException())).isEqualTo("IllegalStateException");
    }
}
