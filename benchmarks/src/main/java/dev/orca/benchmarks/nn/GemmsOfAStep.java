package dev.orca.benchmarks.nn;

import dev.orca.nn.Engine;
import dev.orca.nn.Tensor;
import dev.orca.nn.internal.Blas;

/**
 * The matrix multiplications of one training step of the benchmark MLP, and nothing else: per Dense
 * layer a forward GEMM and a weight-gradient GEMM, and an input-gradient GEMM for every layer but
 * the first (its input needs no gradient): the shapes and transpositions the engine runs, back to
 * back on the same buffers.
 */
final class GemmsOfAStep implements AutoCloseable {
  private final int[] w = MlpTrainingBenchmark.WIDTHS;
  private final int b = MlpTrainingBenchmark.BATCH;
  private final int layers = w.length - 1;
  private final Blas blas;
  private final Tensor[] acts = new Tensor[w.length];
  private final Tensor[] grads = new Tensor[w.length];
  private final Tensor[] weights = new Tensor[layers];
  private final Tensor[] wGrads = new Tensor[layers];

  GemmsOfAStep(Engine engine) {
    blas = engine.blas();
    for (int i = 0; i < w.length; i++) {
      acts[i] = MlpTrainingBenchmark.random(i, b, w[i]);
      grads[i] = MlpTrainingBenchmark.random(10 + i, b, w[i]);
    }
    for (int l = 0; l < layers; l++) {
      weights[l] = MlpTrainingBenchmark.random(20 + l, w[l], w[l + 1]);
      wGrads[l] = Tensor.zeros(w[l], w[l + 1]);
    }
  }

  /** Floating-point operations of one step's GEMMs. */
  static double flops() {
    int[] w = MlpTrainingBenchmark.WIDTHS;
    double f = 0;
    for (int l = 1; l < w.length; l++) {
      f += 2.0 * MlpTrainingBenchmark.BATCH * w[l - 1] * w[l] * (l == 1 ? 2 : 3);
    }
    return f;
  }

  /** The GEMMs of {@code steps} steps. */
  void run(int steps) {
    for (int s = 0; s < steps; s++) {
      for (int l = 0; l < layers; l++) {
        blas.gemm(
            false,
            false,
            b,
            w[l + 1],
            w[l],
            1f,
            acts[l],
            0,
            w[l],
            weights[l],
            0,
            w[l + 1],
            0f,
            acts[l + 1],
            0,
            w[l + 1]);
      }
      for (int l = layers - 1; l >= 0; l--) {
        blas.gemm(
            true,
            false,
            w[l],
            w[l + 1],
            b,
            1f,
            acts[l],
            0,
            w[l],
            grads[l + 1],
            0,
            w[l + 1],
            0f,
            wGrads[l],
            0,
            w[l + 1]);
        if (l > 0) {
          blas.gemm(
              false,
              true,
              b,
              w[l],
              w[l + 1],
              1f,
              grads[l + 1],
              0,
              w[l + 1],
              weights[l],
              0,
              w[l + 1],
              0f,
              grads[l],
              0,
              w[l]);
        }
      }
    }
  }

  @Override
  public void close() {
    for (Tensor[] group : new Tensor[][] {acts, grads, weights, wGrads}) {
      for (Tensor x : group) {
        x.close();
      }
    }
  }
}
