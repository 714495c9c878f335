package dev.nncj.cli;

import dev.nncj.NncjException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code nncj} command. Subcommands parse options into the library's option records and call
 * the library; this class owns the exit codes: 0 success, 1 failure, 2 usage error.
 */
@Command(name = "nncj",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = "Neural-network compression for the JVM: ONNX in, smaller and faster ONNX out.",
        subcommands = {
            InspectCommand.class,
            EvalCommand.class,
            BenchCommand.class,
            ZooCommand.class,
            QuantizeCommand.class,
            PruneCommand.class,
            SparsifyCommand.class,
            FactorizeCommand.class,
            MovementCommand.class,
            ShareCommand.class,
            FineTuneCommand.class,
            DistillCommand.class,
            UnpackCommand.class,
            TrainCommand.class,
            DeepCompressCommand.class,
            DemoCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Nncj implements Runnable {
    public static final int EXIT_FAILURE = 1;
    public static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (see nncj --help)");
    }

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the CLI with the given streams and returns the exit code (tests call this). */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new Nncj());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (dev.nncj.TempFiles.shuttingDown()) {
                return EXIT_FAILURE; // interrupted: the run's files were deleted under it, nothing to report
            }
            commandLine.getErr().println("nncj: " + oneLine(e));
            if (System.getenv("NNCJ_DEBUG") != null) {
                e.printStackTrace(commandLine.getErr());
            }
            return e instanceof dev.nncj.OptionException ? EXIT_USAGE : EXIT_FAILURE;
        });
        return cli.execute(args);
    }

    /** The message a user sees: ours as is, anything unexpected with its type and a debug hint. */
    static String oneLine(Throwable e) {
        if (e instanceof NncjException) {
            return firstLine(e.getMessage());
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            if (root.getCause() instanceof NncjException n) {
                return firstLine(n.getMessage());
            }
            root = root.getCause();
        }
        return "internal error: " + e.getClass().getSimpleName() + ": " + firstLine(String.valueOf(e.getMessage()))
                + " (set NNCJ_DEBUG=1 for the stack trace)";
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
