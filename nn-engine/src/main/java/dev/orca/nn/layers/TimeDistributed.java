package dev.orca.nn.layers;

import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * Applies one layer to every step of a sequence with the same weights: samples {@code (steps,
 * rest...)} become {@code (steps, inner output...)}. The steps simply join the batch, so the inner
 * layer runs once on {@code batch * steps} rows (a Dense over every step is one GEMM).
 */
public final class TimeDistributed extends Layer {
  private static final long serialVersionUID = 1L;
  private final Layer inner;

  public TimeDistributed(Layer inner) {
    require(
        inner != null && inner.minInputs() == 1,
        "wraps a layer of one input, got " + (inner == null ? "none" : inner.getClass()));
    require(!(inner instanceof TimeDistributed), "cannot wrap another TimeDistributed");
    this.inner = inner;
  }

  public Layer inner() {
    return inner;
  }

  private static Shape rest(Shape in) {
    int[] d = in.dims();
    return Shape.of(Arrays.copyOfRange(d, 1, d.length));
  }

  @Override
  public Shape outputShape(Shape... in) {
    requireShape(inner != null, "wraps no layer");
    requireShape(in[0].rank() >= 2, "takes sequences (steps, ...) per sample, got " + in[0]);
    Shape out = inner.outputShape(rest(in[0]));
    return out.withBatch(in[0].dim(0));
  }

  @Override
  public List<ParameterSpec> parameters(Shape... in) {
    return inner.parameters(rest(in[0]));
  }

  @Override
  public List<ParameterSpec> states(Shape... in) {
    return inner.states(rest(in[0]));
  }

  @Override
  void bound(Tensor[] params, Tensor[] grads, Tensor[] state) {
    inner.bind(params, grads, state);
  }

  @Override
  void frozenChanged(boolean frozen) {
    inner.frozen(frozen);
  }

  @Override
  public Layer named(String name) {
    super.named(name);
    inner.named(name);
    return this;
  }

  @Override
  public String describe() {
    String d = inner.describe();
    return inner.getClass().getSimpleName() + (d.isEmpty() ? "" : " (" + d + ")");
  }

  // Views 0..1: input and output as (batch * steps, ...); 2..3 for the gradients.
  @Override
  public void forward(Workspace ws, Tensor[] in, Tensor out) {
    int rows = in[0].dim(0) * in[0].dim(1);
    Tensor x = ws.view(0, in[0], rows, rest(in[0], ws, 0));
    Tensor y = ws.view(1, out, rows, rest(out, ws, 1));
    Tensor[] args = ws.tensors(0, 1);
    args[0] = x;
    inner.forward(ws, args, y);
  }

  @Override
  public void backward(Workspace ws, Tensor[] in, Tensor out, Tensor g, Tensor[] gradIn) {
    int rows = in[0].dim(0) * in[0].dim(1);
    Tensor x = ws.view(0, in[0], rows, rest(in[0], ws, 0));
    Tensor y = ws.view(1, out, rows, rest(out, ws, 1));
    Tensor gy = ws.view(2, g, rows, rest(g, ws, 1));
    Tensor[] args = ws.tensors(0, 1);
    args[0] = x;
    Tensor[] grads = ws.tensors(1, 1);
    grads[0] = gradIn[0] == null ? null : ws.view(3, gradIn[0], rows, rest(gradIn[0], ws, 0));
    inner.backward(ws, args, y, gy, grads);
  }

  /** The shape of one step of a batch tensor, kept per slot so that steps allocate nothing. */
  private static Shape rest(Tensor t, Workspace ws, int slot) {
    return ws.shape(slot, t, 2);
  }
}
