package dev.orca.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * MKL, oneDNN and the pure-Java kernels compute the same forward and backward for every layer, the
 * pure-Java one being the reference.
 */
class BackendAgreementTest {
  private static final double TOLERANCE = 1e-4;

  static java.util.stream.Stream<LayerCases.Case> cases() {
    return LayerCases.all();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void mklAndOneDnnAgreeWithJavaOnForwardAndBackward(LayerCases.Case c) {
    LayerCases.Engines[] engines = LayerCases.Engines.values();
    Model[] models = new Model[engines.length];
    Tensor[] inputs = c.inputs(3);
    try {
      for (int m = 0; m < models.length; m++) {
        models[m] = c.model(engines[m].engine(2));
      }
      float[][] results = new float[models.length][];
      float[][] grads = new float[models.length][];
      float[][][] inputGrads = new float[models.length][inputs.length][];
      for (int m = 0; m < models.length; m++) {
        assertArrayEquals(
            models[0].parameterTensor().toArray(),
            models[m].parameterTensor().toArray(),
            "same seed, same weights");
        models[m].setStepSeed(5);
        Tensor out = models[m].forward(true, inputs)[0];
        results[m] = out.toArray();
        try (Tensor g = Tensor.of(random(out.size()), out.shape().dims())) {
          models[m].backward(g);
        }
        grads[m] = models[m].gradientTensor().toArray();
        for (int k = 0; k < inputs.length && c.kind != LayerCases.Inputs.IDS; k++) {
          inputGrads[m][k] = models[m].inputGradient(k).toArray();
        }
      }
      for (int m = 1; m < models.length; m++) {
        String what = c + " on " + engines[m] + " against " + engines[0] + ": ";
        assertClose(results[m], results[0], what + "forward");
        assertClose(grads[m], grads[0], what + "parameter gradients");
        for (int k = 0; k < inputs.length && c.kind != LayerCases.Inputs.IDS; k++) {
          assertClose(inputGrads[m][k], inputGrads[0][k], what + "input " + k + " gradient");
        }
      }
    } finally {
      close(inputs);
      for (Model m : models) {
        if (m != null) {
          m.close();
        }
      }
    }
  }

  @Test
  void gemmAgreesOnLargeShapesWithOffsetsAndEveryTransposition() {
    Engine mkl = Engine.of(Engine.Backend.MKL, 2);
    Engine java = Engine.of(Engine.Backend.JAVA, 2);
    int m = 70;
    int n = 300;
    int k = 130;
    try (Tensor a = Tensor.of(random(m * k + 5), m * k + 5);
        Tensor b = Tensor.of(random(k * n + 3), k * n + 3);
        Tensor c1 = Tensor.of(random(m * n + 1), m * n + 1);
        Tensor c2 = Tensor.zeros(m * n + 1)) {
      for (boolean ta : new boolean[] {false, true}) {
        for (boolean tb : new boolean[] {false, true}) {
          c2.copyFrom(c1);
          Tensor c3 = Tensor.zeros(m * n + 1).copyFrom(c1);
          int lda = ta ? m : k;
          int ldb = tb ? k : n;
          mkl.blas().gemm(ta, tb, m, n, k, 0.5f, a, 5, lda, b, 3, ldb, 2f, c2, 1, n);
          java.blas().gemm(ta, tb, m, n, k, 0.5f, a, 5, lda, b, 3, ldb, 2f, c3, 1, n);
          double[] reference = naive(ta, tb, m, n, k, a, b, c1);
          float[] x = c2.toArray();
          float[] y = c3.toArray();
          float[] r = new float[reference.length];
          for (int i = 0; i < r.length; i++) {
            r[i] = (float) reference[i];
          }
          assertClose(x, r, "MKL gemm ta=" + ta + " tb=" + tb);
          assertClose(y, r, "Java gemm ta=" + ta + " tb=" + tb);
          c3.close();
        }
      }
    }
  }

  /** The reference product in double precision, straight from the definition. */
  private static double[] naive(
      boolean ta, boolean tb, int m, int n, int k, Tensor a, Tensor b, Tensor c) {
    double[] out = new double[m * n + 1];
    out[0] = c.get(0);
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int p = 0; p < k; p++) {
          double av = a.get(5 + (ta ? p * m + i : i * k + p));
          double bv = b.get(3 + (tb ? j * k + p : p * n + j));
          s += av * bv;
        }
        out[1 + i * n + j] = 0.5 * s + 2 * c.get(1 + i * n + j);
      }
    }
    return out;
  }

  static void assertClose(float[] a, float[] b, String what) {
    double scale = 1e-6;
    for (float v : b) {
      scale = Math.max(scale, Math.abs(v));
    }
    double worst = 0;
    for (int i = 0; i < a.length; i++) {
      worst = Math.max(worst, Math.abs(a[i] - b[i]) / scale);
    }
    assertTrue(worst <= TOLERANCE, what + ": relative difference " + worst);
  }

  private static float[] random(int n) {
    SplittableRandom r = new SplittableRandom(n);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }

  private static void close(Tensor[] ts) {
    for (Tensor t : ts) {
      t.close();
    }
  }
}
