package dev.orca.estimator.callbacks;

import dev.orca.OrcaException;
import dev.orca.estimator.Callback;
import dev.orca.estimator.EpochRecord;
import dev.orca.estimator.TrainingContext;
import dev.orca.estimator.TrainingHistory;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Writes a line per epoch to a CSV file as training goes, so that a long run can be followed (or
 * read after a crash): {@code epoch} (from 1), {@code seconds}, {@code samples_per_second}, {@code
 * learning_rate}, then the training values and the validation values ({@code val_} in front) of the
 * first epoch, in that order. A fit that starts at epoch 1 writes the file anew; a resumed fit
 * appends to it.
 */
public final class CsvLogger implements Callback {
  private final Path file;
  private BufferedWriter out;
  private List<String> columns;

  public CsvLogger(Path file) {
    this.file = Objects.requireNonNull(file, "file");
  }

  @Override
  public synchronized void onTrainBegin(TrainingContext context) {
    close();
    columns = null;
    boolean append = context.firstEpoch() > 0 && Files.exists(file);
    try {
      if (file.toAbsolutePath().getParent() != null) {
        Files.createDirectories(file.toAbsolutePath().getParent());
      }
      out =
          Files.newBufferedWriter(
              file,
              StandardCharsets.UTF_8,
              StandardOpenOption.CREATE,
              append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
      if (append) {
        columns = headerOf(file);
      }
    } catch (IOException e) {
      throw failed(e);
    }
  }

  @Override
  public synchronized void onEpochEnd(EpochRecord e, TrainingContext context) {
    try {
      if (columns == null) {
        columns =
            new ArrayList<>(List.of("epoch", "seconds", "samples_per_second", "learning_rate"));
        e.train().keySet().forEach(columns::add);
        e.validation().keySet().forEach(k -> columns.add("val_" + k));
        out.write(String.join(",", columns));
        out.newLine();
      }
      StringBuilder b = new StringBuilder();
      for (String c : columns) {
        double v =
            switch (c) {
              case "epoch" -> e.number();
              case "seconds" -> e.seconds();
              case "samples_per_second" -> e.samplesPerSecond();
              case "learning_rate" -> context.learningRate();
              default -> c.startsWith("val_") ? e.validationValue(c.substring(4)) : e.trainValue(c);
            };
        b.append(b.length() == 0 ? "" : ",");
        if (c.equals("epoch")) {
          b.append(e.number());
        } else if (!Double.isNaN(v)) {
          b.append(String.format(Locale.ROOT, "%.6g", v));
        }
      }
      out.write(b.toString());
      out.newLine();
      out.flush();
    } catch (IOException ex) {
      throw failed(ex);
    }
  }

  @Override
  public synchronized void onTrainEnd(TrainingHistory history, TrainingContext context) {
    close();
  }

  @Override
  public synchronized void onTrainFailed(RuntimeException error, TrainingContext context) {
    close();
  }

  private static List<String> headerOf(Path file) throws IOException {
    try (var lines = Files.lines(file, StandardCharsets.UTF_8)) {
      return lines.findFirst().map(l -> new ArrayList<>(List.of(l.split(",")))).orElse(null);
    }
  }

  private void close() {
    if (out != null) {
      try {
        out.close();
      } catch (IOException e) {
        throw failed(e);
      } finally {
        out = null;
      }
    }
  }

  private OrcaException failed(IOException e) {
    return new OrcaException(
        "cannot write the training log "
            + file
            + ": "
            + e.getMessage()
            + ". Choose a file this application may write.",
        e);
  }

  @Override
  public String toString() {
    return "CsvLogger(" + file + ")";
  }
}
