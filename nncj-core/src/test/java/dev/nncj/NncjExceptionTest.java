package dev.nncj;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class NncjExceptionTest {
    private static final OptionName CALIBRATION = OptionName.of("calibration");

    @Test
    void optionsAreWrittenByTheirLibraryNameUnlessAFrontEndSpellsThem() {
        NncjException e = new NncjException("static-int8 needs ", CALIBRATION, " (sentences)");
        assertThat(e.getMessage()).isEqualTo("static-int8 needs calibration (sentences)");
        assertThat(e.message(o -> "--" + o.name() + "-data")).isEqualTo("static-int8 needs --calibration-data (sentences)");
        assertThat(e.options()).containsExactly(CALIBRATION);
    }

    @Test
    void aFileErrorKeepsItsFileFirstAndItsOptionsSpellable() {
        NncjException e = NncjException.inFile(Path.of("m.onnx"), "no weight matches ", OptionName.of("include"), "/",
                OptionName.of("exclude"));
        assertThat(e.getMessage()).isEqualTo("m.onnx: no weight matches include/exclude");
        assertThat(e.message(o -> "--" + o.name())).isEqualTo("m.onnx: no weight matches --include/--exclude");
    }

    @Test
    void aPlainMessageIsTheSameForEveryFrontEnd() {
        NncjException plain = new NncjException("bad {groups} text", new RuntimeException());
        assertThat(plain.message(o -> "--x")).isEqualTo("bad {groups} text");
        assertThat(plain.options()).isEmpty();
        assertThat(new NncjException((String) null).getMessage()).isNull();
    }

    /** TextTokenizer attaches the native library's error after building the message. */
    @Test
    void anExceptionWithoutACauseCanBeGivenOneLater() {
        RuntimeException nativeError = new RuntimeException("native");
        NncjException e = NncjException.inFile(Path.of("t.json"), "not a tokenizer");
        e.initCause(nativeError);
        assertThat(e.getCause()).isSameAs(nativeError);
    }

    @Test
    void anOptionExceptionNamesTheFirstOptionItSpeaksOf() {
        OptionException e = new OptionException(OptionName.of("warmupFraction"), " and ", OptionName.of("cooldownFraction"),
                " must sum to at most 1");
        assertThat(e.option()).contains(OptionName.of("warmupFraction"));
        assertThat(new OptionException("no option named").option()).isEmpty();
    }
}
