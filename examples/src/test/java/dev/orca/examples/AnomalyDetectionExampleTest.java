package dev.orca.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The LSTM at reduced size (fewer epochs): it still finds most injected anomalies with few false
 * alarms.
 */
class AnomalyDetectionExampleTest {
  @Test
  void flagsInjectedAnomalies(@TempDir Path out) throws Exception {
    ExampleResult r = AnomalyDetectionExample.run("--epochs", "8", "--out", out.toString());
    assertTrue(
        r.figure("anomalies") >= 5,
        "too few anomalies in the test weeks: " + r.figure("anomalies"));
    assertTrue(r.figure("precision") >= 0.6, "precision " + r.figure("precision"));
    assertTrue(r.figure("recall") >= 0.5, "recall " + r.figure("recall"));
    Charts.assertAllValid(r, 2);
  }
}
