package dev.orca.benchmarks.nn;

import static dev.orca.benchmarks.nn.StepModels.BATCH;
import static dev.orca.benchmarks.nn.StepModels.FEATURES;
import static dev.orca.benchmarks.nn.StepModels.STEPS;
import static dev.orca.benchmarks.nn.StepModels.UNITS;

import dev.orca.nn.Engine;
import dev.orca.nn.Tensor;
import dev.orca.nn.internal.Blas;
import dev.orca.nn.internal.dnnl.ConvolutionOps;
import dev.orca.nn.internal.dnnl.DnnlStream;
import dev.orca.nn.internal.dnnl.EltwiseOps;
import dev.orca.nn.internal.dnnl.PoolingOps;
import dev.orca.nn.internal.dnnl.RecurrentOps;
import java.util.ArrayList;
import java.util.List;

/**
 * The oneDNN and MKL calls of one training step of a {@link StepModels} model and nothing else,
 * back to back on buffers of their own: the bound the engine's step is held against. CNN:
 * convolution forward, ReLU, max-pool forward, the dense layer's three GEMMs, max-pool backward,
 * ReLU backward, convolution backward-weights (the first layer needs no input gradient). LSTM: the
 * LSTM forward (training) and backward over the whole sequence, kernel reorders included, and the
 * dense layer's three GEMMs.
 */
final class PrimitivesOfAStep implements AutoCloseable {
  private final List<AutoCloseable> owned = new ArrayList<>();
  private final Runnable step;

  private PrimitivesOfAStep(String model, Engine engine) {
    DnnlStream stream = own(new DnnlStream(engine.threads()));
    Blas blas = engine.blas();
    if (model.equals("cnn")) {
      int c = 32;
      ConvolutionOps conv =
          own(
              ConvolutionOps.create(
                  stream,
                  BATCH,
                  28,
                  28,
                  1,
                  c,
                  new int[] {3, 3},
                  new int[] {1, 1},
                  new int[] {1, 1},
                  1,
                  1,
                  28,
                  28));
      EltwiseOps relu = own(EltwiseOps.relu(stream, BATCH * 28 * 28 * c));
      PoolingOps pool =
          own(
              PoolingOps.create(
                  stream,
                  PoolingOps.Kind.MAX,
                  BATCH,
                  28,
                  28,
                  c,
                  new int[] {2, 2},
                  new int[] {2, 2},
                  new int[] {1, 1},
                  0,
                  0,
                  14,
                  14));
      Tensor x = tensor(BATCH, 28, 28, 1);
      Tensor kernel = tensor(9, c);
      Tensor bias = tensor(c);
      Tensor dKernel = tensor(9, c);
      Tensor dBias = tensor(c);
      Tensor conv1 = tensor(BATCH, 28, 28, c);
      Tensor act = tensor(BATCH, 28, 28, c);
      Tensor dAct = tensor(BATCH, 28, 28, c);
      Tensor dConv = tensor(BATCH, 28, 28, c);
      Tensor pooled = tensor(BATCH, 14, 14, c);
      Tensor dPooled = tensor(BATCH, 14, 14, c);
      Dense dense = new Dense(blas, BATCH, 14 * 14 * c, 10, pooled, dPooled);
      step =
          () -> {
            conv.forward(x, kernel, bias, conv1);
            relu.forward(conv1, act);
            pool.forward(act, pooled);
            dense.run();
            pool.backward(dPooled, dAct);
            relu.backward(act, dAct, dConv);
            conv.backward(x, dConv, kernel, dKernel, dBias, null);
          };
    } else {
      RecurrentOps lstm =
          own(RecurrentOps.create(stream, RecurrentOps.Cell.LSTM, BATCH, STEPS, FEATURES, UNITS));
      Tensor x = tensor(BATCH, STEPS, FEATURES);
      Tensor kernel = tensor(FEATURES, 4 * UNITS);
      Tensor recurrent = tensor(UNITS, 4 * UNITS);
      Tensor bias = tensor(4 * UNITS);
      Tensor dKernel = tensor(FEATURES, 4 * UNITS);
      Tensor dRecurrent = tensor(UNITS, 4 * UNITS);
      Tensor dBias = tensor(4 * UNITS);
      Tensor last = tensor(BATCH, UNITS);
      Tensor dLast = tensor(BATCH, UNITS);
      Dense dense = new Dense(blas, BATCH, UNITS, 10, last, dLast);
      step =
          () -> {
            lstm.forward(true, x, kernel, recurrent, bias, last, false);
            dense.run();
            lstm.backward(
                x, last, dLast, kernel, recurrent, bias, dKernel, dRecurrent, dBias, null, false);
          };
    }
  }

  static PrimitivesOfAStep of(String model, Engine engine) {
    return new PrimitivesOfAStep(model, engine);
  }

  void run(int steps) {
    for (int i = 0; i < steps; i++) {
      step.run();
    }
  }

  private <T extends AutoCloseable> T own(T t) {
    if (t == null) {
      throw new IllegalStateException("oneDNN has no primitive for a benchmark layer");
    }
    owned.add(t);
    return t;
  }

  private Tensor tensor(int... dims) {
    return own(MlpTrainingBenchmark.random(owned.size(), dims));
  }

  /** The dense layer's forward, weight-gradient and input-gradient GEMMs. */
  private final class Dense {
    private final Blas blas;
    private final int b;
    private final int in;
    private final int out;
    private final Tensor x;
    private final Tensor dx;
    private final Tensor w;
    private final Tensor y;
    private final Tensor dy;
    private final Tensor dw;

    Dense(Blas blas, int b, int in, int out, Tensor x, Tensor dx) {
      this.blas = blas;
      this.b = b;
      this.in = in;
      this.out = out;
      this.x = x;
      this.dx = dx;
      this.w = tensor(in, out);
      this.y = tensor(b, out);
      this.dy = tensor(b, out);
      this.dw = tensor(in, out);
    }

    void run() {
      blas.gemm(false, false, b, out, in, 1f, x, 0, in, w, 0, out, 0f, y, 0, out);
      blas.gemm(true, false, in, out, b, 1f, x, 0, in, dy, 0, out, 0f, dw, 0, out);
      blas.gemm(false, true, b, in, out, 1f, dy, 0, out, w, 0, out, 0f, dx, 0, in);
    }
  }

  @Override
  public void close() {
    for (int i = owned.size() - 1; i >= 0; i--) {
      try {
        owned.get(i).close();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
