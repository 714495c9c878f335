package dev.nncj.cli;

import dev.nncj.inspect.EncoderShape;
import dev.nncj.inspect.EncoderStructure;
import dev.nncj.inspect.ModelInspector;
import dev.nncj.inspect.ModelReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Show a model's size, parameters, operators, inputs and outputs.",
            "Also lists its largest tensors and, for a BERT-family encoder, its layers, heads and FFN widths."})
final class InspectCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", converter = ModelArgument.class, description = "the .onnx file")
    Path model;

    @Option(names = "--json", description = "print JSON instead of a table")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        ModelReport report = ModelInspector.inspect(model);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.write(report));
        } else {
            print(report, out);
        }
        return 0;
    }

    static void print(ModelReport r, PrintWriter out) {
        out.println(r.file());
        out.printf("  parameters  %s%s%n", Sizes.count(r.parameters()), r.quantizedParameters() == 0 ? ""
                : " floating point + " + Sizes.count(r.quantizedParameters()) + " quantized (8-bit or less)");
        out.printf("  size        %s (%s bytes)%n", Sizes.bytes(r.bytes()), Sizes.count(r.bytes()));
        out.printf("  producer    %s, IR %d, opsets %s%n", r.producer().isEmpty() ? "unknown" : r.producer(),
                r.irVersion(), r.opsets().entrySet().stream()
                        .map(e -> (e.getKey().isEmpty() ? "ai.onnx" : e.getKey()) + " " + e.getValue())
                        .collect(Collectors.joining(", ")));
        out.printf("  nodes       %d%n", r.nodes());
        r.encoder().ifPresent(e -> out.printf("  encoder     %s%n", describe(e)));
        r.encoderLayers().ifPresent(s -> {
            out.printf(Locale.ROOT, "  layers      %s-norm, embeddings %s parameters, mask (1 - mask) * %.4g%s%n",
                    s.normPlacement(), Sizes.count(s.embeddingParameters()), s.maskValue(), s.pooler() ? ", pooler" : "");
            for (int i = 0; i < s.layers().size(); i++) {
                EncoderStructure.Layer l = s.layers().get(i);
                out.printf(Locale.ROOT, "    %-3d %3d heads x %-4d FFN %-6d %-9s %s parameters%n", i, l.heads(),
                        l.headSize(), l.ffnWidth(), l.activation(), Sizes.count(l.parameters()));
            }
            s.readAs().forEach((part, forms) -> out.printf("  read as     %s: %s%n", part, String.join("; ", forms)));
        });
        r.encoderLiftFailure().ifPresent(why -> out.printf("  structure   not lifted: %s%n", why));
        out.println("inputs");
        r.inputs().forEach(v -> out.printf("  %-24s %s%s%n", v.name(), v.type(), v.shape()));
        out.println("outputs");
        r.outputs().forEach(v -> out.printf("  %-24s %s%s%n", v.name(), v.type(), v.shape()));
        out.println("ops");
        out.println("  " + r.ops().entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", ")));
        out.println("largest initializers");
        r.largestInitializers().forEach(t -> out.printf("  %-48s %-9s %-14s %s%n", t.name(), t.type(),
                t.shape(), Sizes.bytes(t.bytes())));
        if (!r.metadata().isEmpty()) {
            out.println("metadata");
            for (Map.Entry<String, String> e : r.metadata().entrySet()) {
                out.printf("  %s = %s%n", e.getKey(), e.getValue());
            }
        }
    }

    static String describe(EncoderShape e) {
        return String.format("%d layers, hidden %d, %s heads x %s, FFN %s, vocabulary %d%s",
                e.layers(), e.hiddenSize(), known(e.heads()), known(e.headSize()), known(e.ffnSize()),
                e.vocabularySize(), e.maxPositions() > 0 ? ", " + e.maxPositions() + " positions" : "");
    }

    private static String known(int v) {
        return v < 0 ? "?" : Integer.toString(v);
    }
}
