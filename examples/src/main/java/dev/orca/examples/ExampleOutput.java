package dev.orca.examples;

import dev.orca.estimator.TrainingHistory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The folder an example writes into: training histories as CSV, their charts as PNG, models. */
public final class ExampleOutput {
  private final Path dir;

  public ExampleOutput(Path dir) {
    this.dir = dir;
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot create the output folder " + dir.toAbsolutePath() + ": give another with --out",
          e);
    }
  }

  public Path dir() {
    return dir;
  }

  public Path file(String name) {
    return dir.resolve(name);
  }

  /**
   * Writes {@code <run>-history.csv} and {@code <run>-history.png} (loss and {@code metric} per
   * epoch); returns the chart's path.
   */
  public Path history(String run, String title, TrainingHistory history, String metric) {
    history.writeCsv(file(run + "-history.csv"));
    return chart(run + "-history.png", TrainingChart.ofHistory(title, history, metric));
  }

  /** Writes a chart of these panels; returns its path. */
  public Path chart(String fileName, List<TrainingChart.Panel> panels) {
    Path png = file(fileName);
    try {
      TrainingChart.write(png, panels);
    } catch (InternalError | LinkageError e) {
      // Java2D without fontconfig or fonts (a minimal headless JDK image) cannot draw text
      throw new IllegalStateException(
          "cannot draw the chart "
              + png
              + " ("
              + e
              + "): Java2D needs fontconfig"
              + " and a font, e.g. apt-get install fontconfig fonts-dejavu-core",
          e);
    }
    System.out.println("wrote " + png);
    return png;
  }
}
