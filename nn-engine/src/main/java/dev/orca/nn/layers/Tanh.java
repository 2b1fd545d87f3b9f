package dev.orca.nn.layers;

import dev.orca.nn.Tensor;

/** {@code tanh(x)} element-wise (VML's vsTanh on MKL). */
public final class Tanh extends SameShape {
  private static final long serialVersionUID = 1L;

  @Override
  public void forward(Workspace ws, Tensor[] in, Tensor out) {
    ws.blas().tanh(out.size(), in[0], 0, out, 0);
  }

  @Override
  public void backward(Workspace ws, Tensor[] in, Tensor out, Tensor g, Tensor[] gradIn) {
    if (gradIn[0] != null) {
      backwardFromOutput(FromOutput.TANH, out, g, gradIn[0]);
    }
  }
}
