package dev.orca.estimator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.estimator.internal.ProgressPrinter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The history as users read it: CSV, JSON and the console number the epochs alike, from 1. */
class TrainingHistoryTest {
  /** Three epochs as the workers report them: indices 0, 1, 2. */
  private static final List<EpochRecord> EPOCHS =
      List.of(
          new EpochRecord(0, Map.of("loss", 0.9), Map.of("loss", 1.0), 2.0, 1.5, 1000),
          new EpochRecord(1, Map.of("loss", 0.5), Map.of("loss", 0.7), 2.0, 1.5, 1000),
          new EpochRecord(2, Map.of("loss", 0.25), Map.of("loss", Double.NaN), 4.0, 3.0, 1000));

  @Test
  void csvJsonAndConsoleCountEpochsFromOne(@TempDir Path dir) throws Exception {
    TrainingHistory history = new TrainingHistory(EPOCHS, "completed 3 epochs", 0);
    assertEquals(List.of(1, 2, 3), EPOCHS.stream().map(EpochRecord::number).toList());
    assertEquals(2, history.epochs().get(2).epoch(), "the record keeps the 0-based index");

    history.writeCsv(dir.resolve("history.csv"));
    assertEquals(
        """
        epoch,seconds,compute_seconds,samples_per_second,loss,val_loss
        1,2.00000,1.50000,500.000,0.900000,1.00000
        2,2.00000,1.50000,500.000,0.500000,0.700000
        3,4.00000,3.00000,250.000,0.250000,
        """,
        Files.readString(dir.resolve("history.csv")));

    history.writeJson(dir.resolve("history.json"));
    String json = Files.readString(dir.resolve("history.json"));
    assertEquals(List.of(1, 2, 3), numbers(Pattern.compile("\"epoch\":(\\d+)"), json));
    assertTrue(
        json.startsWith(
            "{\"stopped_because\":\"completed 3 epochs\",\"restarts\":0,\"epochs\":[{\"epoch\":1,"
                + "\"seconds\":2.00000,\"compute_seconds\":1.50000,\"samples\":1000,\"train\":{\"loss\":0.900000},"
                + "\"validation\":{\"loss\":1.00000}},"),
        json);

    ByteArrayOutputStream console = new ByteArrayOutputStream();
    ProgressPrinter progress =
        new ProgressPrinter(new PrintStream(console, true, StandardCharsets.UTF_8), true, 3);
    EPOCHS.forEach(progress::epochDone);
    assertEquals(
        List.of(1, 2, 3),
        numbers(Pattern.compile("(?m)^epoch (\\d+)/3 "), console.toString(StandardCharsets.UTF_8)));
  }

  private static List<Integer> numbers(Pattern p, String text) {
    List<Integer> out = new ArrayList<>();
    Matcher m = p.matcher(text);
    while (m.find()) {
      out.add(Integer.parseInt(m.group(1)));
    }
    return out;
  }
}
