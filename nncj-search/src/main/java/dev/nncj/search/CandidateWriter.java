package dev.nncj.search;

import dev.nncj.onnx.OnnxModel;
import dev.nncj.transformer.EncoderSpec;

/** Writes a candidate's float encoder as the ONNX model it would be deployed as, in its numeric and table forms. */
@FunctionalInterface
public interface CandidateWriter {
    OnnxModel write(EncoderSpec encoder, NumericForm form, TokenTableForm table);
}
