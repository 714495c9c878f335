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
    void dropsTheCppThrowSiteSomeMessagesStartWith() {
        OrtException e = new OrtException(OrtException.OrtErrorCode.ORT_FAIL,
                "Load model from /tmp/m.onnx failed:/onnxruntime_src/onnxruntime/core/graph/model.cc:181 "
                        + "onnxruntime::Model::Model(onnx::ModelProto&&, const onnxruntime::PathString&, const "
                        + "onnxruntime::logging::Logger&) Unsupported model IR version: 999, max supported IR version: 11");
        assertThat(OrtMessages.firstLine(e)).isEqualTo("Unsupported model IR version: 999, max supported IR version: 11");
        OrtException opset = new OrtException(OrtException.OrtErrorCode.ORT_FAIL,
                "/onnxruntime_src/onnxruntime/core/graph/model_load_utils.h:46 void onnxruntime::model_load_utils::"
                        + "ValidateOpsetForDomain(const std::unordered_map<std::string, int>&, bool, int) ONNX Runtime only"
                        + " *guarantees* support for models stamped with official released onnx opset versions.");
        assertThat(OrtMessages.firstLine(opset)).startsWith("ONNX Runtime only *guarantees* support");
    }

    @Test
    void aMessagelessExceptionIsNamedByItsClass() {
        assertThat(OrtMessages.firstLine(new IllegalStateException())).isEqualTo("IllegalStateException");
    }
}
