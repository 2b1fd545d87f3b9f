package dev.orca.benchmarks;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The arguments of a benchmark's {@code main}, read the way the usage lines in {@code
 * benchmarks/README.md} write them ({@code [rows=65536] [epochs=3]}): each value either in the
 * order of the names ({@code 65536 3}) or as {@code name=value} in any order ({@code epochs=5}).
 * Names that start with {@code --} are only ever given as {@code --name=value}. A value that is not
 * a number where one is wanted, an unknown name or one value too many stops the benchmark with the
 * usage line, rather than measuring something else than was asked.
 */
public final class BenchmarkArgs {
  private final String usage;
  private final Map<String, String> given = new LinkedHashMap<>();

  private BenchmarkArgs(String usage) {
    this.usage = usage;
  }

  /**
   * Reads {@code args} against {@code names}, the benchmark's arguments in their positional order
   * (flags, starting with {@code --}, anywhere among them); {@code usage} is shown with any error.
   */
  public static BenchmarkArgs parse(String usage, String[] args, String... names) {
    BenchmarkArgs parsed = new BenchmarkArgs(usage);
    List<String> known = Arrays.asList(names);
    int next = 0;
    for (String arg : args) {
      int eq = arg.indexOf('=');
      String name = eq > 0 ? arg.substring(0, eq) : null;
      if (name != null && known.contains(name)) {
        parsed.put(name, arg.substring(eq + 1));
        continue;
      }
      if (name != null || arg.startsWith("--")) {
        throw parsed.error("unknown argument '" + arg + "'");
      }
      while (next < names.length
          && (names[next].startsWith("--") || parsed.given.containsKey(names[next]))) {
        next++;
      }
      if (next == names.length) {
        throw parsed.error("one argument too many: '" + arg + "'");
      }
      parsed.put(names[next++], arg);
    }
    return parsed;
  }

  private void put(String name, String value) {
    if (given.putIfAbsent(name, value) != null) {
      throw error(name + " is given twice ('" + given.get(name) + "' and '" + value + "')");
    }
  }

  /** The value of {@code name}, or {@code otherwise} when it was not given. */
  public String string(String name, String otherwise) {
    return given.getOrDefault(name, otherwise);
  }

  /** A whole number. */
  public int integer(String name, int otherwise) {
    return Math.toIntExact(longInteger(name, otherwise));
  }

  /** A whole number that may be large (a count of rows). */
  public long longInteger(String name, long otherwise) {
    String value = given.get(name);
    if (value == null) {
      return otherwise;
    }
    try {
      long n = Long.parseLong(value.replace("_", ""));
      if (n <= 0) {
        throw error(name + " must be positive, got '" + value + "'");
      }
      return n;
    } catch (NumberFormatException e) {
      throw error(name + " must be a whole number, got '" + value + "'");
    }
  }

  /** A number. */
  public double number(String name, double otherwise) {
    String value = given.get(name);
    if (value == null) {
      return otherwise;
    }
    try {
      return Double.parseDouble(value);
    } catch (NumberFormatException e) {
      throw error(name + " must be a number, got '" + value + "'");
    }
  }

  private IllegalArgumentException error(String what) {
    return new IllegalArgumentException(what + "; usage: " + usage);
  }
}
