package dev.nncj.cli;

import dev.nncj.zoo.ModelZoo;
import dev.nncj.zoo.ZooModel;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "zoo", mixinStandardHelpOptions = true,
        description = {"List pretrained models or write one to a folder.",
            "Each model lives in a Maven artifact: a build of NNCJ has them all; the distribution reads them from the"
                + " local Maven repository (-Dmaven.repo.local or ~/.m2/repository), where Maven (mvn) fetches a missing one once."},
        subcommands = {ZooCommand.ListModels.class, ZooCommand.Get.class})
final class ZooCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "zoo needs a subcommand: list or get");
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the zoo's models.")
    static final class ListModels implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            for (ZooModel m : ModelZoo.list()) {
                out.printf("%-28s %s%n%-28s from %s%n", m.name(), m.description(), "", m.artifact());
            }
            return 0;
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true,
            description = "Write a zoo model as DIR/model.onnx and DIR/tokenizer.json.")
    static final class Get implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME", description = "a name from `nncj zoo list`")
        String name;

        @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR", description = "output directory")
        Path dir;

        @Mixin
        QuietOption quiet;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            ModelZoo.Fetched fetched = ModelZoo.get(name, dir, quiet.progress());
            PrintWriter out = spec.commandLine().getOut();
            out.println(fetched.modelFile());
            out.println(fetched.tokenizerFile());
            return 0;
        }
    }
}
