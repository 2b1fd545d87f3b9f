package dev.orca.nn.layers;

import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;
import java.util.List;

/** A fully connected layer: {@code out = in * W + b}, W of shape (inputs, units). */
public final class Dense extends Layer {
  private static final long serialVersionUID = 1L;
  private final int units;
  private final boolean useBias;
  private final Initializer kernelInit;

  /** {@code units} outputs, with bias, Glorot-uniform weights. */
  public Dense(int units) {
    this(units, true, Initializer.GLOROT_UNIFORM);
  }

  public Dense(int units, boolean useBias, Initializer kernelInit) {
    require(units > 0, "units must be positive, got " + units);
    this.units = units;
    this.useBias = useBias;
    this.kernelInit = kernelInit;
  }

  public int units() {
    return units;
  }

  @Override
  public Shape outputShape(Shape... in) {
    requireShape(
        in[0].rank() == 1,
        "takes (features,) per sample, got " + in[0] + ": put a Flatten layer before it");
    return Shape.of(units);
  }

  @Override
  public List<ParameterSpec> parameters(Shape... in) {
    int fanIn = in[0].dim(0);
    ParameterSpec w = new ParameterSpec("kernel", Shape.of(fanIn, units), kernelInit, fanIn, units);
    return useBias
        ? List.of(w, ParameterSpec.constant("bias", Shape.of(units), Initializer.ZEROS))
        : List.of(w);
  }

  @Override
  public String describe() {
    return "units=" + units + (useBias ? "" : ", no bias");
  }

  @Override
  public void forward(Workspace ws, Tensor[] in, Tensor out) {
    Tensor x = in[0];
    int batch = x.dim(0);
    int fanIn = x.dim(1);
    // The bias goes in first, row by row (a memcpy each), and the GEMM adds onto it (beta = 1).
    if (useBias) {
      Tensor b = param(1);
      for (int r = 0; r < batch; r++) {
        out.data().put(out.offset() + r * units, b.data(), b.offset(), units);
      }
    }
    ws.blas()
        .gemm(
            false,
            false,
            batch,
            units,
            fanIn,
            1f,
            x,
            0,
            fanIn,
            param(0),
            0,
            units,
            useBias ? 1f : 0f,
            out,
            0,
            units);
  }

  @Override
  public void backward(Workspace ws, Tensor[] in, Tensor out, Tensor g, Tensor[] gradIn) {
    Tensor x = in[0];
    int batch = x.dim(0);
    int fanIn = x.dim(1);
    if (!isFrozen()) {
      ws.blas()
          .gemm(
              true, false, fanIn, units, batch, 1f, x, 0, fanIn, g, 0, units, 0f, grad(0), 0,
              units);
      if (useBias) {
        // The bias gradient sums g's columns: g transposed times a vector of ones.
        Tensor ones = ws.scratch(0, 1, batch);
        ones.fill(1f);
        ws.blas().columnSums(batch, units, g, 0, ones, grad(1), 0);
      }
    }
    if (gradIn[0] != null) {
      ws.blas()
          .gemm(
              false, true, batch, fanIn, units, 1f, g, 0, units, param(0), 0, units, 0f, gradIn[0],
              0, fanIn);
    }
  }
}
