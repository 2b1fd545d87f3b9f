package dev.orca.examples;

import dev.orca.OrcaConfigurationException;
import dev.orca.estimator.Backend;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The command-line options of one example: {@code --name value} pairs, each declared with a
 * default and a line of help, so that a test can run the example small ({@code --epochs 3}) and a
 * typo fails with the list of options instead of being ignored.
 */
public final class ExampleArgs {
  private final String example;
  private final Map<String, String> defaults = new LinkedHashMap<>();
  private final Map<String, String> help = new LinkedHashMap<>();
  private final Map<String, String> values = new LinkedHashMap<>();

  private ExampleArgs(String example) {
    this.example = example;
  }

  /** Options of {@code example}; {@code --out} defaults to {@code examples/out/<example>}. */
  public static ExampleArgs of(String example) {
    return new ExampleArgs(example).option("out", "examples/out/" + example, "folder for histories, charts, models");
  }

  /** Adds the options of the examples that train on Spark: backend, workers, seed. */
  public ExampleArgs withTraining() {
    return option("backend", "spark", "where the training workers run: spark (barrier tasks) or ray (actors)")
        .option("workers", "2", "data-parallel training workers")
        .option("seed", "0", "seed of the data split and the initial weights");
  }

  /** Declares an option with its default and help. */
  public ExampleArgs option(String name, String defaultValue, String description) {
    defaults.put(name, defaultValue);
    help.put(name, description);
    return this;
  }

  /** Reads {@code --name value} pairs; an undeclared name or a missing value fails with the usage. */
  public ExampleArgs parse(String... args) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String name = a.startsWith("--") ? a.substring(2) : null;
      if (name == null || !defaults.containsKey(name)) {
        throw new OrcaConfigurationException(example + ": unknown option '" + a + "'.\n" + usage());
      }
      if (i + 1 >= args.length) {
        throw new OrcaConfigurationException(example + ": option --" + name + " needs a value.\n" + usage());
      }
      values.put(name, args[++i]);
    }
    return this;
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
      throw new OrcaConfigurationException(example + ": --" + name + " must be a positive whole number, got '"
          + string(name) + "'");
    }
  }

  public double number(String name) {
    try {
      return Double.parseDouble(string(name).trim());
    } catch (NumberFormatException e) {
      throw new OrcaConfigurationException(example + ": --" + name + " must be a number, got '" + string(name) + "'");
    }
  }

  public long seed() {
    try {
      return Long.parseLong(string("seed").trim());
    } catch (NumberFormatException e) {
      throw new OrcaConfigurationException(example + ": --seed must be a whole number, got '" + string("seed") + "'");
    }
  }

  public Backend backend() {
    return Backend.parse(string("backend"));
  }

  public Path out() {
    return Path.of(string("out"));
  }

  /** One line per option, with its default. */
  public String usage() {
    StringBuilder b = new StringBuilder("Options of " + example + ":\n");
    defaults.forEach((name, value) -> b.append(String.format(Locale.ROOT, "  --%-14s %s (default %s)%n", name,
        help.get(name), value)));
    return b.toString();
  }
}
