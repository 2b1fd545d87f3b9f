package dev.orca.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * How every benchmark in this module reports, so that results read the same everywhere: each figure
 * is printed next to its baseline, measured in the same run on the same machine, and the ratio
 * between them. The block is printed to stdout and appended to {@code benchmarks/out/<name>.txt};
 * the numbers worth keeping go into {@code benchmarks/README.md}.
 */
public final class BenchmarkReport {
  private final String name;
  private final String what;
  private final List<String> lines = new ArrayList<>();

  private BenchmarkReport(String name, String what) {
    this.name = name;
    this.what = what;
  }

  /** Starts a report; {@code name} is a short file-safe id, {@code what} one line for readers. */
  public static BenchmarkReport start(String name, String what) {
    return new BenchmarkReport(name, what);
  }

  /** A measured figure of the thing under test. */
  public BenchmarkReport figure(String label, double value, String unit) {
    return add("figure", label, value, unit);
  }

  /** A baseline measured in the same run, against which the figures are read. */
  public BenchmarkReport baseline(String label, double value, String unit) {
    return add("baseline", label, value, unit);
  }

  /** A ratio of a figure to its baseline, and the goal it is held against (or "" for none). */
  public BenchmarkReport ratio(String label, double ratio, String goal) {
    lines.add(
        String.format(
            "  %-9s %-52s %12.3f x %s",
            "ratio", label, ratio, goal.isEmpty() ? "" : "(goal: " + goal + ")"));
    return this;
  }

  /** Free text: the setting of the run, or what bounds a figure. */
  public BenchmarkReport note(String text) {
    lines.add("  note      " + text);
    return this;
  }

  private BenchmarkReport add(String kind, String label, double value, String unit) {
    lines.add(String.format("  %-9s %-52s %12.3f %s", kind, label, value, unit));
    return this;
  }

  /** Prints the block and appends it to {@code benchmarks/out/<name>.txt}. */
  public void finish() {
    StringBuilder b = new StringBuilder();
    b.append("== ").append(name).append(": ").append(what).append('\n');
    b.append("  machine   ")
        .append(Runtime.getRuntime().availableProcessors())
        .append(" cores, ")
        .append(Runtime.getRuntime().maxMemory() >> 20)
        .append(" MiB heap, Java ")
        .append(System.getProperty("java.version"))
        .append(", ")
        .append(LocalDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE_TIME))
        .append('\n');
    for (String line : lines) {
      b.append(line).append('\n');
    }
    String text = b.toString();
    System.out.print(text);
    System.out.flush();
    Path out = outDir().resolve(name + ".txt");
    try {
      Files.createDirectories(out.getParent());
      Files.writeString(
          out,
          text + '\n',
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append the benchmark result to " + out, e);
    }
  }

  private static Path outDir() {
    String dir = System.getProperty("orca.benchmarks.out");
    if (dir != null) {
      return Path.of(dir);
    }
    Path cwd = Path.of("").toAbsolutePath();
    return (Files.isDirectory(cwd.resolve("benchmarks")) ? cwd.resolve("benchmarks") : cwd)
        .resolve("out");
  }
}
