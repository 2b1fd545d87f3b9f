package dev.orca.examples;

import dev.orca.OrcaConfigurationException;
import dev.orca.context.OrcaContext;
import dev.orca.estimator.Backend;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The command-line options of one example: {@code --name value} pairs, each declared with a default
 * and a line of help, so that a test can run the example small ({@code --epochs 3}) and a typo
 * fails with the list of options instead of being ignored. {@link #runMain} is the examples' main
 * method: {@code --help} prints the options, a bad option a one-line error, no stack trace.
 */
public final class ExampleArgs {
  private static final Set<String> HELP = Set.of("--help", "-h");

  private final String example;
  private final Map<String, String> defaults = new LinkedHashMap<>();
  private final Map<String, String> help = new LinkedHashMap<>();
  private final Map<String, String> values = new LinkedHashMap<>();
  private boolean helpAsked;

  private ExampleArgs(String example) {
    this.example = example;
  }

  /** Options of {@code example}; {@code --out} defaults to {@code examples/out/<example>}. */
  public static ExampleArgs of(String example) {
    return new ExampleArgs(example)
        .option("out", "examples/out/" + example, "folder for histories, charts, models");
  }

  /**
   * Adds the options of the examples that train on Spark: backend, workers, seed, and where Spark
   * runs.
   */
  public ExampleArgs withTraining() {
    return option(
            "backend",
            "spark",
            "where the training workers run: spark (barrier tasks) or ray (actors)")
        .option("workers", "2", "data-parallel training workers")
        .option("seed", "0", "seed of the data split and the initial weights")
        .option(
            "cluster-mode",
            "auto",
            "where Spark runs (orca.cluster-mode): local, local-cluster, ...; auto is"
                + " spark-submit's settings when launched by bin/orca-submit or spark-submit,"
                + " else local");
  }

  /** Declares an option with its default and help. */
  public ExampleArgs option(String name, String defaultValue, String description) {
    defaults.put(name, defaultValue);
    help.put(name, description);
    return this;
  }

  /**
   * Reads {@code --name value} pairs, and {@code --help} (or {@code -h}); an undeclared name or a
   * missing value fails with the usage.
   */
  public ExampleArgs parse(String... args) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (HELP.contains(a)) {
        helpAsked = true;
        continue;
      }
      String name = a.startsWith("--") ? a.substring(2) : null;
      if (name == null || !defaults.containsKey(name)) {
        throw new BadOption(example + ": unknown option '" + a + "'", usage());
      }
      if (i + 1 >= args.length) {
        throw new BadOption(example + ": option --" + name + " needs a value", usage());
      }
      values.put(name, args[++i]);
    }
    return this;
  }

  /** Whether the arguments read asked for the usage. */
  public boolean helpAsked() {
    return helpAsked;
  }

  /**
   * The main method of an example: runs it with {@code args} and prints what it returns. With
   * {@code --help} it prints the usage instead (exit status 0); an undeclared option, a missing or
   * malformed value prints the usage and a one-line error to stderr and exits with status 2,
   * without a stack trace.
   */
  public void runMain(Class<?> mainClass, String[] args, Function<String[], ?> run) {
    int status = runMain(mainClass, args, run, System.out, System.err);
    if (status != 0) {
      System.out.flush();
      System.exit(status);
    }
  }

  /**
   * {@link #runMain(Class, String[], Function)} writing to {@code out} and {@code err}; returns the
   * exit status.
   */
  int runMain(
      Class<?> mainClass,
      String[] args,
      Function<String[], ?> run,
      PrintStream out,
      PrintStream err) {
    String command = "bin/orca-run examples " + mainClass.getName();
    try {
      if (parse(args).helpAsked()) {
        out.print("Usage: " + command + " [--option value]...\n" + usage());
        return 0;
      }
      out.println(run.apply(args));
      return 0;
    } catch (BadOption e) {
      err.print("Usage: " + command + " [--option value]...\n" + usage());
      err.println(e.problem() + " (" + command + " --help lists the options)");
      return 2;
    } catch (OrcaConfigurationException e) {
      // a setting the library refused (e.g. --backend foo): its message says what to change
      err.println(e.getMessage() + " (" + command + " --help lists the options)");
      return 2;
    }
  }

  public String string(String name) {
    if (!defaults.containsKey(name)) {
      throw new IllegalArgumentException("option --" + name + " was not declared for " + example);
    }
    return values.getOrDefault(name, defaults.get(name));
  }

  public int integer(String name) {
    try {
      int v = Integer.parseInt(string(name).trim());
      if (v < 1) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw new BadOption(
          example + ": --" + name + " must be a positive whole number, got '" + string(name) + "'",
          null);
    }
  }

  public double number(String name) {
    try {
      return Double.parseDouble(string(name).trim());
    } catch (NumberFormatException e) {
      throw new BadOption(
          example + ": --" + name + " must be a number, got '" + string(name) + "'", null);
    }
  }

  public long seed() {
    try {
      return Long.parseLong(string("seed").trim());
    } catch (NumberFormatException e) {
      throw new BadOption(
          example + ": --seed must be a whole number, got '" + string("seed") + "'", null);
    }
  }

  public Backend backend() {
    return Backend.parse(string("backend"));
  }

  /**
   * Starts the OrcaContext in the cluster mode of {@code --cluster-mode}; with {@code auto}, as
   * {@link OrcaContext#init()} does (spark-submit's settings when it launched the program).
   */
  public OrcaContext startContext() {
    String mode = string("cluster-mode");
    return mode.equals("auto")
        ? OrcaContext.init()
        : OrcaContext.builder().clusterMode(mode).start();
  }

  public Path out() {
    return Path.of(string("out"));
  }

  /** One line per option, with its default. */
  public String usage() {
    StringBuilder b = new StringBuilder("Options of " + example + ":\n");
    defaults.forEach(
        (name, value) ->
            b.append(
                String.format(
                    Locale.ROOT, "  --%-14s %s (default %s)%n", name, help.get(name), value)));
    b.append(String.format(Locale.ROOT, "  --%-14s %s%n", "help", "print these options and exit"));
    return b.toString();
  }

  /**
   * A command-line option the example cannot run with; the message has the usage after the problem.
   */
  static final class BadOption extends OrcaConfigurationException {
    private static final long serialVersionUID = 1L;
    private final String problem;

    BadOption(String problem, String usage) {
      super(usage == null ? problem : problem + ".\n" + usage);
      this.problem = problem;
    }

    /** The problem in one line. */
    String problem() {
      return problem;
    }
  }
}
