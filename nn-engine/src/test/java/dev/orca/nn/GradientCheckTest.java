package dev.orca.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.nn.losses.BinaryCrossEntropy;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.losses.MeanSquaredError;
import dev.orca.nn.losses.SparseCategoricalCrossEntropy;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Central finite differences against backward, for every layer (inputs and parameters) and every
 * loss, on both BLAS implementations and on oneDNN. The objective {@code sum(out * R)} with a fixed
 * random R exercises every output element with a different weight.
 */
class GradientCheckTest {
  private static final float EPS = 1e-2f;
  private static final double TOLERANCE = 2e-2;

  static Stream<Arguments> layersOnEveryEngine() {
    return LayerCases.all()
        .flatMap(c -> Stream.of(LayerCases.Engines.values()).map(e -> Arguments.of(c, e)));
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("layersOnEveryEngine")
  void layerGradientsMatchFiniteDifferences(LayerCases.Case c, LayerCases.Engines engine) {
    try (Model model = c.model(engine.engine(2))) {
      Tensor[] inputs = c.inputs(11);
      Tensor out = model.forward(true, inputs)[0];
      float[] weights = random(out.size(), 3);
      Tensor gradOut = Tensor.of(weights, out.shape().dims());
      model.setStepSeed(99);
      model.forward(true, inputs);
      model.backward(gradOut);
      double worst = 0;
      if (c.kind != LayerCases.Inputs.IDS) {
        for (int k = 0; k < inputs.length; k++) {
          float[] analytic = model.inputGradient(k).toArray();
          for (int i = 0; i < inputs[k].size(); i++) {
            worst =
                Math.max(
                    worst,
                    compare(
                        analytic[i],
                        numeric(model, inputs, inputs[k], i, weights),
                        c + " d/d input " + k + "[" + i + "]"));
          }
        }
      }
      Tensor params = model.parameterTensor();
      float[] analytic = model.gradientTensor().toArray();
      SplittableRandom pick = new SplittableRandom(5);
      for (int n = 0; n < Math.min(40, params.size()); n++) {
        int i = params.size() <= 40 ? n : pick.nextInt(params.size());
        worst =
            Math.max(
                worst,
                compare(
                    analytic[i],
                    numeric(model, inputs, params, i, weights),
                    c + " d/d parameter " + i));
      }
      for (Tensor t : inputs) {
        t.close();
      }
      gradOut.close();
      assertTrue(worst <= TOLERANCE, c + ": worst relative error " + worst);
    }
  }

  /**
   * A frozen layer (computing as in inference) still passes the right gradient to its inputs, and
   * writes nothing into its weight gradients (a NaN sentinel there survives backward).
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.orca.nn.LayerCases#all")
  void aFrozenLayerPassesTheInputGradientAndComputesNoWeightGradient(LayerCases.Case c) {
    try (Model model = c.model(Engine.of(Engine.Backend.MKL, 2))) {
      model.freeze(model.layers().get(0).name());
      Tensor[] inputs = c.inputs(11);
      Tensor out = model.forward(true, inputs)[0];
      float[] weights = random(out.size(), 3);
      Tensor gradOut = Tensor.of(weights, out.shape().dims());
      model.gradientTensor().fill(Float.NaN);
      model.setStepSeed(99);
      model.forward(true, inputs);
      model.backward(gradOut);
      for (float g : model.gradientTensor().toArray()) {
        assertTrue(Float.isNaN(g), c + ": a frozen layer wrote a weight gradient");
      }
      double worst = 0;
      for (int k = 0; c.kind != LayerCases.Inputs.IDS && k < inputs.length; k++) {
        float[] analytic = model.inputGradient(k).toArray();
        for (int i = 0; i < inputs[k].size(); i++) {
          worst =
              Math.max(
                  worst,
                  compare(
                      analytic[i],
                      numeric(model, inputs, inputs[k], i, weights),
                      c + " frozen, d/d input " + k + "[" + i + "]"));
        }
      }
      for (Tensor t : inputs) {
        t.close();
      }
      gradOut.close();
      assertTrue(worst <= TOLERANCE, c + " frozen: worst relative error " + worst);
    }
  }

  /** The objective's slope along element {@code i} of {@code t} (an input or the parameters). */
  private static double numeric(Model model, Tensor[] inputs, Tensor t, int i, float[] weights) {
    float saved = t.get(i);
    t.set(i, saved + EPS);
    double plus = objective(model, inputs, weights);
    t.set(i, saved - EPS);
    double minus = objective(model, inputs, weights);
    t.set(i, saved);
    return (plus - minus) / (2 * EPS);
  }

  private static double objective(Model model, Tensor[] inputs, float[] weights) {
    model.setStepSeed(99);
    Tensor out = model.forward(true, inputs)[0];
    double s = 0;
    for (int j = 0; j < weights.length; j++) {
      s += (double) weights[j] * out.get(j);
    }
    return s;
  }

  /** Relative error, with an absolute floor so that tiny gradients are not judged by noise. */
  private static double compare(double analytic, double numeric, String what) {
    double err =
        Math.abs(analytic - numeric)
            / Math.max(0.05, Math.max(Math.abs(analytic), Math.abs(numeric)));
    if (err > TOLERANCE) {
      System.out.printf("%s: analytic %.6f numeric %.6f%n", what, analytic, numeric);
    }
    return err;
  }

  private static float[] random(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }

  /** The losses, each with the output and target it is checked on. */
  enum LossCase {
    MSE(new MeanSquaredError(), false),
    BCE_LOGITS(new BinaryCrossEntropy(true), false),
    BCE_PROBABILITIES(new BinaryCrossEntropy(false), true),
    SCCE_LOGITS(new SparseCategoricalCrossEntropy(true), false),
    SCCE_PROBABILITIES(new SparseCategoricalCrossEntropy(false), true);

    final Loss loss;
    final boolean probabilities;

    LossCase(Loss loss, boolean probabilities) {
      this.loss = loss;
      this.probabilities = probabilities;
    }
  }

  @ParameterizedTest
  @EnumSource(LossCase.class)
  void lossGradientsMatchFiniteDifferences(LossCase c) {
    boolean sparse = c.loss instanceof SparseCategoricalCrossEntropy;
    SplittableRandom r = new SplittableRandom(1);
    int rows = 4;
    int cols = 5;
    float[] o = new float[rows * cols];
    for (int i = 0; i < o.length; i++) {
      o[i] =
          c.probabilities ? (float) (0.05 + 0.9 * r.nextDouble()) : (float) (3 * r.nextGaussian());
    }
    float[] t = new float[sparse ? rows : rows * cols];
    for (int i = 0; i < t.length; i++) {
      t[i] =
          sparse
              ? r.nextInt(cols)
              : c.loss instanceof BinaryCrossEntropy ? r.nextInt(2) : (float) r.nextGaussian();
    }
    try (Tensor out = Tensor.of(o, rows, cols);
        Tensor target = sparse ? Tensor.of(t, rows) : Tensor.of(t, rows, cols);
        Tensor grad = Tensor.zeros(rows, cols)) {
      c.loss.compute(out, target, grad);
      float eps = 1e-3f;
      for (int i = 0; i < out.size(); i++) {
        float saved = out.get(i);
        out.set(i, saved + eps);
        double plus = c.loss.compute(out, target, null);
        out.set(i, saved - eps);
        double minus = c.loss.compute(out, target, null);
        out.set(i, saved);
        double numeric = (plus - minus) / (2 * eps);
        double err = compare(grad.get(i), numeric, c + "[" + i + "]");
        assertTrue(
            err <= TOLERANCE,
            c + " element " + i + ": analytic " + grad.get(i) + " numeric " + numeric);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = LossCase.class,
      names = {"BCE_LOGITS", "SCCE_LOGITS"})
  void lossesFromLogitsStayFiniteForHugeLogits(LossCase c) {
    boolean sparse = c.loss instanceof SparseCategoricalCrossEntropy;
    try (Tensor out = Tensor.of(new float[] {1e4f, -1e4f, 80f, -80f}, 2, 2);
        Tensor target =
            sparse ? Tensor.of(new float[] {1, 0}, 2) : Tensor.of(new float[] {0, 1, 1, 0}, 2, 2);
        Tensor grad = Tensor.zeros(2, 2)) {
      double value = c.loss.compute(out, target, grad);
      assertTrue(Double.isFinite(value) && value > 1000, c + " gives " + value);
      for (float g : grad.toArray()) {
        assertTrue(Float.isFinite(g) && Math.abs(g) <= 0.5f, c + " gradient " + g);
      }
    }
  }
}
