package dev.orca.examples;

import dev.orca.OrcaException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an example reached: its result line (printed as {@code RESULT ...}), the figures behind it
 * by name, and the charts it wrote.
 */
public record ExampleResult(String line, Map<String, Double> figures, List<Path> charts) {
  public ExampleResult {
    figures = Collections.unmodifiableMap(new LinkedHashMap<>(figures));
    charts = List.copyOf(charts);
  }

  /** A figure by name; fails naming the ones there are. */
  public double figure(String name) {
    Double v = figures.get(name);
    if (v == null) {
      throw new OrcaException(
          "no figure '" + name + "' in this result; there are " + figures.keySet());
    }
    return v;
  }

  @Override
  public String toString() {
    return "RESULT " + line;
  }
}
