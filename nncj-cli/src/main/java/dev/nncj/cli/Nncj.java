package dev.nncj.cli;

import dev.nncj.NncjException;
import dev.nncj.train.trainer.StopRequest;
import dev.nncj.train.trainer.TrainingStoppedException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Optional;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The {@code nncj} command. Subcommands parse options into the library's option records and call
 * the library; this class owns the exit codes: 0 success, 1 failure, 2 usage error, and a training
 * run stopped by SIGTERM (143) or SIGINT (130) after writing its checkpoint.
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
            ExportCommand.class,
            TrainCommand.class,
            DeepCompressCommand.class,
            DemoCommand.class,
            SearchCommand.class,
            RunCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Nncj implements Runnable {
    public static final int EXIT_FAILURE = 1;
    public static final int EXIT_USAGE = 2;
    /** A stopped training run: the JVM exits with the signal's own status (128 + 15 for SIGTERM, 130 for SIGINT). */
    public static final int EXIT_STOPPED = 143;
    /**
     * How long SIGTERM or SIGINT waits for a training run to reach its next step boundary and write
     * its checkpoint: a step or an evaluation of a base-size encoder takes seconds on a CPU, and a
     * JVM that never answers must still exit.
     */
    static final Duration STOP_BOUND = Duration.ofSeconds(120);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (see nncj --help)");
    }

    public static void main(String[] args) {
        StopRequest.installShutdownHook(STOP_BOUND);
        int code = execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
        // the run's native memory is freed and its line printed: a signal's exit may go on
        StopRequest.acknowledge();
        System.exit(code);
    }

    /** Runs the CLI with the given streams and returns the exit code (tests call this). */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new Nncj());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            Optional<TrainingStoppedException> stop = stopIn(e);
            if (stop.isPresent()) {
                commandLine.getErr().println("nncj: " + stop.get().getMessage() + stop.get().checkpoint()
                        .map(c -> "; continue with the same command and --resume" + (resumesFromItsFolder(commandLine) ? ""
                                : " " + c)).orElse(""));
                return EXIT_STOPPED;
            }
            if (dev.nncj.TempFiles.shuttingDown()) {
                return EXIT_FAILURE; // interrupted: the run's files were deleted under it, nothing to report
            }
            commandLine.getErr().println("nncj: " + oneLine(e));
            if (System.getenv("NNCJ_DEBUG") != null) {
                e.printStackTrace(commandLine.getErr());
            }
            return e instanceof dev.nncj.OptionException ? EXIT_USAGE : EXIT_FAILURE;
        });
        int code = cli.execute(args);
        if (code == 0 && cli.getParseResult() != null && cli.getParseResult().hasSubcommand()) {
            // the result is saved: a training run's checkpoints have nothing left to continue
            trainingOptions(cli.getParseResult().subcommand().commandSpec()).forEach(TrainingOptions::finished);
        }
        return code;
    }

    /** The training options of a command, its own or inside a mixin of its (--recover's). */
    private static Stream<TrainingOptions> trainingOptions(CommandSpec command) {
        return command.mixins().values().stream().flatMap(m -> m.userObject() instanceof TrainingOptions t
                ? Stream.of(t) : trainingOptions(m));
    }

    /** Whether the command's --resume is a switch (search: its output folder holds every checkpoint), not a folder. */
    private static boolean resumesFromItsFolder(CommandLine command) {
        picocli.CommandLine.Model.OptionSpec resume = command.getCommandSpec().findOption("--resume");
        return resume != null && (resume.type() == boolean.class || resume.type() == Boolean.class);
    }

    /** The training stop {@code e} is or was caused by, if any. */
    private static Optional<TrainingStoppedException> stopIn(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof TrainingStoppedException s) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /** The message a user sees: ours as is, anything unexpected with its type and a debug hint. */
    static String oneLine(Throwable e) {
        if (e instanceof NncjException n) {
            return firstLine(Flags.message(n));
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            if (root.getCause() instanceof NncjException n) {
                return firstLine(Flags.message(n));
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
