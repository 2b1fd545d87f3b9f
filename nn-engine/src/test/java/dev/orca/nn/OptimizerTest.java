package dev.orca.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.orca.OrcaConfigurationException;
import dev.orca.nn.optim.Adagrad;
import dev.orca.nn.optim.Adam;
import dev.orca.nn.optim.AdamW;
import dev.orca.nn.optim.CosineDecay;
import dev.orca.nn.optim.ExponentialDecay;
import dev.orca.nn.optim.LearningRateSchedule;
import dev.orca.nn.optim.Optimizer;
import dev.orca.nn.optim.Sgd;
import dev.orca.nn.optim.StepDecay;
import dev.orca.nn.optim.Warmup;
import org.junit.jupiter.api.Test;

/** Optimizer steps and schedules against values worked out by hand. */
class OptimizerTest {
  private final Engine engine = Engine.create(1);

  /**
   * Steps {@code opt} {@code steps} times on one parameter 1.0 with gradient 0.5; returns the
   * parameter.
   */
  private float run(Optimizer opt, int steps) {
    return run(opt, steps, 0.5f);
  }

  private float run(Optimizer opt, int steps, float gradient) {
    try (opt;
        Tensor p = Tensor.of(new float[] {1f}, 1);
        Tensor g = Tensor.zeros(1)) {
      for (int i = 0; i < steps; i++) {
        g.set(0, gradient);
        opt.step(engine, p, g);
      }
      return p.get(0);
    }
  }

  @Test
  void sgdWithMomentumNesterovAndWeightDecay() {
    assertEquals(0.95f, run(new Sgd(0.1), 1), 1e-6);
    assertEquals(0.855f, run(new Sgd(0.1, 0.9), 2), 1e-6);
    assertEquals(0.7695f, run(new Sgd(LearningRateSchedule.constant(0.1), 0.9, true, 0), 2), 1e-6);
    assertEquals(0.94f, run(new Sgd(LearningRateSchedule.constant(0.1), 0, false, 0.1), 1), 1e-6);
  }

  @Test
  void adamFamily() {
    assertEquals(0.9f, run(new Adam(0.1), 1), 1e-6, "Adam's first step is lr * sign(g)");
    assertEquals(
        0.8f, run(new Adam(0.1), 2), 1e-5, "and so is the second with a constant gradient");
    assertEquals(
        0.85f,
        run(new AdamW(LearningRateSchedule.constant(0.1), 0.9, 0.999, 1e-8, 0.5), 1),
        1e-6,
        "decoupled decay shrinks by lr * wd before the Adam step");
    assertEquals(
        0.9f,
        run(new Adam(LearningRateSchedule.constant(0.1), 0.9, 0.999, 1e-8, 0.1), 1, 0f),
        1e-6,
        "L2 decay adds wd * p to a zero gradient, so the weight moves");
    assertEquals(1f, run(new Adam(0.1), 1, 0f), 1e-6, "without decay it does not");
    assertEquals(1 - 0.1 * 0.5 / Math.sqrt(0.35), run(new Adagrad(0.1), 1), 1e-6);
  }

  @Test
  void clippingByGlobalNormAndByValue() {
    try (Tensor p = Tensor.zeros(3);
        Tensor g = Tensor.of(new float[] {3, 4, 0}, 3)) {
      new Sgd(1.0).optClipNorm(1.0).step(engine, p, g);
      assertArrayEquals(new float[] {-0.6f, -0.8f, 0f}, p.toArray(), 1e-6f);
    }
    try (Tensor p = Tensor.zeros(3);
        Tensor g = Tensor.of(new float[] {3, -4, 0.2f}, 3)) {
      new Sgd(1.0).optClipValue(0.5).step(engine, p, g);
      assertArrayEquals(new float[] {-0.5f, 0.5f, -0.2f}, p.toArray(), 1e-6f);
    }
  }

  @Test
  void schedules() {
    StepDecay step = new StepDecay(1, 10, 0.5);
    assertEquals(1, step.rate(9), 1e-12);
    assertEquals(0.5, step.rate(10), 1e-12);
    assertEquals(0.25, step.rate(25), 1e-12);
    assertEquals(Math.sqrt(0.5), new ExponentialDecay(1, 10, 0.5).rate(5), 1e-12);
    CosineDecay cosine = new CosineDecay(1, 100, 0);
    assertEquals(1, cosine.rate(0), 1e-12);
    assertEquals(0.5, cosine.rate(50), 1e-12);
    assertEquals(0, cosine.rate(100), 1e-12);
    assertEquals(0, cosine.rate(500), 1e-12);
    assertEquals(0.1, new CosineDecay(1, 100, 0.1).rate(100), 1e-12);
  }

  @Test
  void warmupRampsToTheRateScaledForTheGlobalBatch() {
    Warmup w = Warmup.linearScaling(0.1, 256, 1024, 10);
    assertEquals(0.13, w.rate(0), 1e-12);
    assertEquals(0.4, w.rate(9), 1e-12);
    assertEquals(0.4, w.rate(10_000), 1e-12);
    Warmup thenCosine = Warmup.linearScaling(0.1, 256, 1024, 10, new CosineDecay(0.4, 100, 0));
    assertEquals(0.4, thenCosine.rate(10), 1e-12);
    assertEquals(0.2, thenCosine.rate(60), 1e-12);
    assertThrows(
        OrcaConfigurationException.class, () -> LearningRateSchedule.linearScaling(0.1, 0, 1024));
  }

  @Test
  void theScheduleDrivesTheStepAndBadSettingsAreRefused() {
    Sgd sgd = new Sgd(new StepDecay(0.1, 1, 0.5), 0, false, 0);
    assertEquals(1 - 0.05f - 0.025f, run(sgd, 2), 1e-6);
    assertEquals(2, sgd.iterations());
    assertThrows(OrcaConfigurationException.class, () -> new Sgd(-1));
    assertThrows(OrcaConfigurationException.class, () -> new Sgd(0.1, 1.5));
    assertThrows(OrcaConfigurationException.class, () -> new Sgd(0.1).optClipNorm(-1));
  }

  /**
   * On MKL, SGD and Adam update with whole-vector operations spread over its threads; on the
   * pure-Java backend with one fused loop: both give the same parameters and state, over ranges
   * (frozen layers between them) and many steps.
   */
  @Test
  void vectorUpdatesOnMklMatchTheJavaLoop() {
    java.util.function.Supplier<?>[] makers = {
      () -> new Sgd(0.1),
      () -> new Sgd(0.05, 0.9),
      () -> new Sgd(dev.orca.nn.optim.LearningRateSchedule.constant(0.05), 0.8, true, 0),
      () -> new Adam(1e-2),
      () -> new AdamW(LearningRateSchedule.constant(3e-3), 0.9, 0.99, 1e-7, 0.01)
    };
    Engine mkl = Engine.of(Engine.Backend.MKL, 2);
    Engine java = Engine.of(Engine.Backend.JAVA, 2);
    int n = 70_001;
    int[] ranges = {0, 30_000, 40_000, n};
    for (java.util.function.Supplier<?> maker : makers) {
      float[][] results = new float[2][];
      Engine[] engines = {mkl, java};
      for (int e = 0; e < 2; e++) {
        try (Optimizer opt = (Optimizer) maker.get();
            Tensor p = TestTensors.random(1, n);
            Tensor g = Tensor.zeros(n)) {
          try (Tensor grads = TestTensors.random(2, n)) {
            for (int step = 0; step < 7; step++) {
              g.copyFrom(grads);
              opt.step(engines[e], p, g, ranges);
            }
          }
          results[e] = p.toArray();
        }
      }
      BackendAgreementTest.assertClose(results[0], results[1], maker.get() + " on MKL vs Java");
      try (Tensor p = TestTensors.random(1, n)) {
        float[] start = p.toArray();
        for (int i = 30_000; i < 40_000; i++) {
          org.junit.jupiter.api.Assertions.assertEquals(
              start[i], results[0][i], "a frozen parameter moved at " + i);
        }
      }
    }
  }
}
