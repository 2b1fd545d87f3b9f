package dev.orca.estimator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.context.OrcaContext;
import dev.orca.nn.GraphModel;
import dev.orca.nn.Model;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.ReLU;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.metrics.Metric;
import dev.orca.nn.onnx.OnnxImporter;
import dev.orca.nn.optim.Adam;
import dev.orca.sampledata.SampleData;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An ONNX CNN from PyTorch (trained on the digits 0 to 4), imported, cut after its convolutional
 * base, given a new head for all ten digits, base frozen, and fine-tuned through the Estimator on
 * two workers of each backend: both learn the ten digits, leave every weight and running statistic
 * of the base bitwise as imported, and end with the same weights (up to float summation order).
 */
class ImportedModelFineTuneTest {
  private static final String BASE_END = "/features/features.6/Flatten";
  private static DigitsData.Session digits;

  @BeforeAll
  static void start() {
    digits = DigitsData.Session.start(OrcaContext.builder().cores(2));
  }

  @AfterAll
  static void stop() {
    digits.close();
  }

  /** The imported CNN's base with a new head of ten classes, the base frozen. */
  static Model tenDigitModel() {
    Path onnx = SampleData.DIGITS_0_TO_4_CNN.copyTo(Path.of("target", "sample-data"));
    try (Model imported = OnnxImporter.from(onnx).optSeed(3).build()) {
      GraphModel g = imported.cutAt(BASE_END);
      GraphModel.Node h = g.apply(new Dense(32).named("head/dense"), g.node(BASE_END));
      h = g.apply(new ReLU().named("head/relu"), h);
      Model model = g.build(g.apply(new Dense(10).named("head/classes"), h));
      return model.freezeUpTo(BASE_END);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private record Run(float[] weights, float[] state, double accuracy) {}

  private static Run fineTune(Backend backend) {
    try (Estimator est =
        Estimator.builder()
            .setModel(tenDigitModel())
            .setLoss(Loss.sparseCategoricalCrossEntropy())
            .setOptimizer(new Adam(3e-3))
            .optMetrics(Metric.accuracy())
            .optBackend(backend)
            .optWorkers(2)
            .optCoresPerWorker(1)
            .build()) {
      est.fit(
          digits.train(),
          FitConfig.builder().setEpochs(12).setBatchSize(64).optSeed(4).optProgress(false).build());
      Map<String, Double> test = est.evaluate(digits.test());
      Model m = est.getModel();
      System.out.printf("%s, 2 workers, imported base frozen: test %s%n", backend, test);
      return new Run(
          floats(m.parameters(), m.parameterCount()),
          floats(m.state(), m.state().capacity()),
          test.get("accuracy"));
    }
  }

  @Test
  void bothBackendsFineTuneTheImportedCnnOnTwoWorkersLeavingItsBaseAsImported() {
    float[] imported;
    float[] importedState;
    int base;
    try (Model m = tenDigitModel()) {
      List<String> frozen = m.frozenLayers();
      assertTrue(
          frozen.containsAll(
              List.of(
                  "/features/features.0/Conv",
                  "/features/features.1/BatchNormalization",
                  "/features/features.3/Conv",
                  "/features/features.5/MaxPool",
                  BASE_END)),
          "frozen: " + frozen);
      assertTrue(frozen.stream().noneMatch(n -> n.startsWith("head/")), "frozen: " + frozen);
      imported = floats(m.parameters(), m.parameterCount());
      importedState = floats(m.state(), m.state().capacity());
      base = m.parameterCount() - (512 * 32 + 32) - (32 * 10 + 10);
      assertEquals(16 * 9 + 16 + 2 * 16 + 32 * 16 * 9 + 32, base, "the base's weights");
    }
    Run spark = fineTune(Backend.SPARK);
    Run ray = fineTune(Backend.RAY);
    for (Run run : List.of(spark, ray)) {
      assertTrue(run.accuracy() >= 0.95, "ten digits on a base that saw five: " + run.accuracy());
      for (int i = 0; i < base; i++) {
        assertEquals(
            Float.floatToRawIntBits(imported[i]),
            Float.floatToRawIntBits(run.weights()[i]),
            "frozen weight " + i);
      }
      for (int i = 0; i < importedState.length; i++) {
        assertEquals(
            Float.floatToRawIntBits(importedState[i]),
            Float.floatToRawIntBits(run.state()[i]),
            "running statistic " + i);
      }
    }
    assertTrue(
        BackendAgreementTest.maxRelativeDifference(spark.weights(), ray.weights()) < 1e-3,
        "the two backends end with the same weights");
  }

  private static float[] floats(java.nio.FloatBuffer b, int n) {
    float[] v = new float[n];
    b.get(0, v, 0, n);
    return v;
  }
}
