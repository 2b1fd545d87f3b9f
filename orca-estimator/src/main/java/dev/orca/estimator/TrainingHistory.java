package dev.orca.estimator;

import dev.orca.OrcaException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The epochs of one {@code fit}, in order, with ways to write them as CSV or JSON. In both, as on
 * the console, epochs are numbered from 1 ({@link EpochRecord#number()}); in code, {@link
 * EpochRecord#epoch()} is the index from 0.
 */
public final class TrainingHistory {
  private final List<EpochRecord> epochs;
  private final String stoppedBecause;
  private final int restarts;
  private final String transport;

  public TrainingHistory(List<EpochRecord> epochs, String stoppedBecause, int restarts) {
    this(epochs, stoppedBecause, restarts, null);
  }

  /** With {@code transport}: how the workers summed their gradients, or null if not known. */
  public TrainingHistory(
      List<EpochRecord> epochs, String stoppedBecause, int restarts, String transport) {
    this.epochs = Collections.unmodifiableList(new ArrayList<>(epochs));
    this.stoppedBecause = stoppedBecause;
    this.restarts = restarts;
    this.transport = transport;
  }

  /**
   * How the workers summed their gradients in the last ring of this fit, e.g. {@code "IN_JVM: 2
   * workers in one JVM"} or {@code "SHARED_MEMORY: 2 workers on one host, through a shared-memory
   * segment"}, then whether the reporting worker (rank 0) was pinned to a CPU ({@link CpuPinning}),
   * e.g. {@code "; pinned to CPU 0 (worker 1 of 2 workers on this host, which has CPUs 0-1)"}; null
   * when not known.
   */
  public String transport() {
    return transport;
  }

  /** How many times training resumed from a checkpoint after losing a worker. */
  public int restarts() {
    return restarts;
  }

  public List<EpochRecord> epochs() {
    return epochs;
  }

  public EpochRecord last() {
    if (epochs.isEmpty()) {
      throw new IllegalStateException("no epoch was trained");
    }
    return epochs.get(epochs.size() - 1);
  }

  /** Why training ended: "completed N epochs", "early stopping: ...", ... */
  public String stoppedBecause() {
    return stoppedBecause;
  }

  /** The values of one column ("loss", "val_accuracy", ...) over the epochs. */
  public double[] series(String column) {
    double[] out = new double[epochs.size()];
    for (int i = 0; i < out.length; i++) {
      EpochRecord e = epochs.get(i);
      out[i] =
          column.startsWith("val_") ? e.validationValue(column.substring(4)) : e.trainValue(column);
    }
    return out;
  }

  /** The value columns: the training values, then the validation ones ({@code val_} in front). */
  public List<String> columns() {
    Set<String> cols = new LinkedHashSet<>();
    for (EpochRecord e : epochs) {
      cols.addAll(e.train().keySet());
    }
    for (EpochRecord e : epochs) {
      for (String k : e.validation().keySet()) {
        cols.add("val_" + k);
      }
    }
    return new ArrayList<>(cols);
  }

  /**
   * One line per epoch: {@code epoch} (from 1), {@code seconds}, {@code compute_seconds}, {@code
   * samples_per_second}, then the {@link #columns()}; an empty cell where an epoch has no value.
   */
  public String toCsv() {
    List<String> cols = columns();
    StringBuilder b = new StringBuilder("epoch,seconds,compute_seconds,samples_per_second");
    cols.forEach(c -> b.append(',').append(c));
    b.append('\n');
    for (EpochRecord e : epochs) {
      b.append(e.number())
          .append(',')
          .append(num(e.seconds()))
          .append(',')
          .append(num(e.computeSeconds()))
          .append(',')
          .append(num(e.samplesPerSecond()));
      for (String c : cols) {
        double v = c.startsWith("val_") ? e.validationValue(c.substring(4)) : e.trainValue(c);
        b.append(',').append(Double.isNaN(v) ? "" : num(v));
      }
      b.append('\n');
    }
    return b.toString();
  }

  /**
   * {@code {"stopped_because": ..., "restarts": n, "epochs": [{"epoch": 1, "seconds": ...,
   * "compute_seconds": ..., "samples": ..., "train": {...}, "validation": {...}}, ...]}}, epochs
   * numbered from 1; a value that is not finite is {@code null}.
   */
  public String toJson() {
    StringBuilder b =
        new StringBuilder("{\"stopped_because\":")
            .append(quote(stoppedBecause))
            .append(",\"restarts\":")
            .append(restarts)
            .append(",\"epochs\":[");
    for (int i = 0; i < epochs.size(); i++) {
      EpochRecord e = epochs.get(i);
      b.append(i == 0 ? "" : ",")
          .append("{\"epoch\":")
          .append(e.number())
          .append(",\"seconds\":")
          .append(num(e.seconds()))
          .append(",\"compute_seconds\":")
          .append(num(e.computeSeconds()))
          .append(",\"samples\":")
          .append(e.samples())
          .append(",\"train\":")
          .append(json(e.train()))
          .append(",\"validation\":")
          .append(json(e.validation()))
          .append('}');
    }
    return b.append("]}").toString();
  }

  public void writeCsv(Path file) {
    write(file, toCsv());
  }

  public void writeJson(Path file) {
    write(file, toJson());
  }

  @Override
  public String toString() {
    return toCsv();
  }

  private static void write(Path file, String text) {
    try {
      if (file.toAbsolutePath().getParent() != null) {
        Files.createDirectories(file.toAbsolutePath().getParent());
      }
      Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new OrcaException(
          "Cannot write the training history to "
              + file
              + ": "
              + e.getMessage()
              + ". Choose a folder this application may write.",
          e);
    }
  }

  private static String json(java.util.Map<String, Double> values) {
    StringBuilder b = new StringBuilder("{");
    values.forEach(
        (k, v) ->
            b.append(b.length() > 1 ? "," : "")
                .append(quote(k))
                .append(':')
                .append(Double.isFinite(v) ? num(v) : "null"));
    return b.append('}').toString();
  }

  private static String num(double v) {
    return String.format(Locale.ROOT, "%.6g", v);
  }

  private static String quote(String s) {
    return "\"" + String.valueOf(s).replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
