package dev.orca.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.OrcaDataException;
import dev.orca.nn.metrics.BinaryAccuracy;
import dev.orca.nn.metrics.Metric;
import dev.orca.nn.metrics.RocAuc;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MetricTest {
  private static double eval(Metric m, float[] out, int cols, float[] target) {
    try (Tensor o = Tensor.of(out, out.length / cols, cols);
        Tensor t = Tensor.of(target, target.length)) {
      double[] s = m.newState();
      m.update(s, o, t);
      return m.result(s);
    }
  }

  @Test
  void classificationMetrics() {
    float[] scores = {0.1f, 0.9f, 0f, 0.8f, 0.2f, 0f, 0.3f, 0.7f, 0f, 0.2f, 0.3f, 0.5f};
    float[] labels = {1, 1, 1, 0};
    assertEquals(0.5, eval(Metric.accuracy(), scores, 3, labels), 1e-12);
    assertEquals(0.75, eval(Metric.topKAccuracy(2), scores, 3, labels), 1e-12);
    float[] p = {0.9f, 0.2f, 0.6f, 0.4f, 0.7f};
    float[] y = {1, 0, 0, 1, 1};
    assertEquals(0.6, eval(Metric.binaryAccuracy(), p, 1, y), 1e-12);
    assertEquals(2.0 / 3, eval(Metric.precision(), p, 1, y), 1e-12);
    assertEquals(2.0 / 3, eval(Metric.recall(), p, 1, y), 1e-12);
    assertEquals(0.6, eval(new BinaryAccuracy(0f), new float[] {2, -1, 0.5f, -3, 1}, 1, y), 1e-12);
  }

  @Test
  void regressionMetrics() {
    float[] out = {1, 2, 3, 4};
    float[] target = {1, 0, 3, 8};
    assertEquals(5, eval(Metric.mse(), out, 1, target), 1e-12);
    assertEquals(1.5, eval(Metric.mae(), out, 1, target), 1e-12);
    assertEquals(Math.sqrt(5), eval(Metric.rmse(), out, 1, target), 1e-12);
  }

  @Test
  void rocAucFromTheHistogramMatchesTheExactPairCount() {
    SplittableRandom r = new SplittableRandom(4);
    int n = 2000;
    float[] s = new float[n];
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      y[i] = r.nextInt(2);
      s[i] = (float) (1 / (1 + Math.exp(-(r.nextGaussian() + (y[i] == 1 ? 1.0 : 0.0)))));
    }
    double exact = 0;
    double pairs = 0;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        if (y[i] == 1 && y[j] == 0) {
          pairs++;
          exact += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0;
        }
      }
    }
    exact /= pairs;
    double approx = eval(Metric.rocAuc(), s, 1, y);
    assertEquals(exact, approx, 2e-3, "exact " + exact);
    assertTrue(exact > 0.7 && exact < 0.8);
    float[] logits = new float[n];
    for (int i = 0; i < n; i++) {
      logits[i] = (float) Math.log(s[i] / (1 - s[i]));
    }
    assertEquals(approx, eval(new RocAuc(200, true), logits, 1, y), 2e-3);
  }

  @Test
  void statesFromSeveralWorkersSumToTheStateOfAllTheData() {
    SplittableRandom r = new SplittableRandom(8);
    int n = 300;
    float[] s = new float[n];
    float[] y = new float[n];
    for (int i = 0; i < n; i++) {
      y[i] = r.nextInt(2);
      s[i] = (float) r.nextDouble();
    }
    for (Metric m :
        new Metric[] {
          Metric.rocAuc(),
          Metric.binaryAccuracy(),
          Metric.precision(),
          Metric.recall(),
          Metric.mae()
        }) {
      double[] whole = m.newState();
      double[] merged = m.newState();
      try (Tensor all = Tensor.of(s, n, 1);
          Tensor ally = Tensor.of(y, n)) {
        m.update(whole, all, ally);
        for (int w = 0; w < 3; w++) {
          double[] part = m.newState();
          m.update(part, all.rows(w * 100, w * 100 + 100), ally.rows(w * 100, w * 100 + 100));
          Metric.merge(merged, part);
        }
      }
      assertArrayEquals(whole, merged, 0.0, m.name());
      assertEquals(m.result(whole), m.result(merged), 0.0);
    }
  }

  @Test
  void badLabelsAreNamed() {
    OrcaDataException e =
        assertThrows(
            OrcaDataException.class,
            () -> eval(Metric.accuracy(), new float[] {0.5f, 0.5f}, 2, new float[] {2}));
    assertTrue(e.getMessage().contains("label 2.0 in row 0"), e.getMessage());
    e =
        assertThrows(
            OrcaDataException.class,
            () -> eval(Metric.recall(), new float[] {0.5f}, 1, new float[] {0.5f}));
    assertTrue(e.getMessage().contains("not a binary label"), e.getMessage());
  }
}
