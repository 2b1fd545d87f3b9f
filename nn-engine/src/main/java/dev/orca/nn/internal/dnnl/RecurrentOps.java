package dev.orca.nn.internal.dnnl;

import static org.bytedeco.dnnl.global.dnnl.*;

import dev.orca.nn.Tensor;
import dev.orca.nn.internal.NativeMemory;
import java.nio.FloatBuffer;
import org.bytedeco.dnnl.dnnl_memory_desc;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.javacpp.Pointer;

/**
 * An LSTM or GRU layer over whole sequences on oneDNN (one call runs every step), for one batch
 * size and sequence length, zero initial state, one direction. The model's layouts are oneDNN's
 * plain ones: sequences {@code (batch, steps, features)} are {@code ntc}, kernels {@code (inputs,
 * gates * units)} are {@code ldigo} with the same gate order (LSTM: i, f, c, o; GRU: z, r, n), so
 * only the primitives' own preferences cost reorders. The GRU's two bias rows (input and recurrent)
 * become oneDNN's one bias: summed, except the candidate's recurrent bias when the reset gate
 * applies after the recurrent product (oneDNN's "linear before reset" GRU).
 */
public final class RecurrentOps implements AutoCloseable {
  /** The cell. */
  public enum Cell {
    LSTM(4, 4),
    GRU(3, 3),
    GRU_RESET_AFTER(3, 4);

    final int gates;
    final int biasGates;

    Cell(int gates, int biasGates) {
      this.gates = gates;
      this.biasGates = biasGates;
    }
  }

  private final DnnlStream stream;
  private final Cell cell;
  private final int batch;
  private final int steps;
  private final int features;
  private final int units;
  private final Owned owned = new Owned();
  private final Zero zero = new Zero();
  private Op training;
  private Op inference;
  private Op backward;
  private Layout[] trainingIn;
  private Layout[] inferenceIn;
  private Layout[] backwardIn;
  private Layout[] backwardOut;
  private NativeMemory.Block workspace;
  private NativeMemory.Block sequence;
  private NativeMemory.Block lastStepGradient;
  private NativeMemory.Block inputGradient;
  private NativeMemory.Block bias;
  private NativeMemory.Block biasGradient;
  private boolean trained;

  /** Where a frozen layer's weight gradients go (oneDNN computes them anyway); made when needed. */
  private Tensor[] frozenGradients;

  private RecurrentOps(
      DnnlStream stream, Cell cell, int batch, int steps, int features, int units) {
    this.stream = stream;
    this.cell = cell;
    this.batch = batch;
    this.steps = steps;
    this.features = features;
    this.units = units;
  }

  /** For {@code batch} sequences of {@code steps x features}; null if oneDNN has none. */
  public static RecurrentOps create(
      DnnlStream stream, Cell cell, int batch, int steps, int features, int units) {
    RecurrentOps ops = new RecurrentOps(stream, cell, batch, steps, features, units);
    int g = cell.gates;
    dnnl_memory_desc src = Dnnl.md(dnnl_ntc, steps, batch, features);
    dnnl_memory_desc dst = Dnnl.md(dnnl_ntc, steps, batch, units);
    dnnl_memory_desc kernelAny = Dnnl.md(dnnl_format_tag_any, 1, 1, features, g, units);
    dnnl_memory_desc kernelPlain = Dnnl.md(dnnl_ldigo, 1, 1, features, g, units);
    dnnl_memory_desc recurrentAny = Dnnl.md(dnnl_format_tag_any, 1, 1, units, g, units);
    dnnl_memory_desc recurrentPlain = Dnnl.md(dnnl_ldigo, 1, 1, units, g, units);
    dnnl_memory_desc biasPlain = Dnnl.md(dnnl_ldgo, 1, 1, cell.biasGates, units);
    dnnl_primitive_attr attr = Op.userScratchpad();
    try {
      ops.training =
          ops.forward(dnnl_forward_training, src, kernelAny, recurrentAny, biasPlain, dst, attr);
      ops.inference =
          ops.forward(dnnl_forward_inference, src, kernelAny, recurrentAny, biasPlain, dst, attr);
      if (ops.training == null || ops.inference == null) {
        ops.close();
        return null;
      }
      ops.backward = ops.backward(src, kernelAny, recurrentAny, biasPlain, dst, attr);
      if (ops.backward == null) {
        ops.close();
        return null;
      }
      Owned o = ops.owned;
      ops.trainingIn =
          new Layout[] {
            Layout.in(o, ops.training, DNNL_ARG_WEIGHTS_LAYER, kernelPlain),
            Layout.in(o, ops.training, DNNL_ARG_WEIGHTS_ITER, recurrentPlain)
          };
      ops.inferenceIn =
          new Layout[] {
            Layout.in(o, ops.inference, DNNL_ARG_WEIGHTS_LAYER, kernelPlain),
            Layout.in(o, ops.inference, DNNL_ARG_WEIGHTS_ITER, recurrentPlain)
          };
      ops.backwardIn =
          new Layout[] {
            Layout.in(o, ops.backward, DNNL_ARG_WEIGHTS_LAYER, kernelPlain),
            Layout.in(o, ops.backward, DNNL_ARG_WEIGHTS_ITER, recurrentPlain)
          };
      ops.backwardOut =
          new Layout[] {
            Layout.out(o, ops.backward, DNNL_ARG_DIFF_WEIGHTS_LAYER, kernelPlain),
            Layout.out(o, ops.backward, DNNL_ARG_DIFF_WEIGHTS_ITER, recurrentPlain)
          };
      ops.workspace = o.block(ops.training.bytes(DNNL_ARG_WORKSPACE));
      ops.sequence = o.block(4L * batch * steps * units);
      ops.lastStepGradient = o.block(4L * batch * steps * units);
      ops.inputGradient = o.block(4L * batch * steps * features);
      ops.bias = o.block(4L * cell.biasGates * units);
      ops.biasGradient = o.block(4L * cell.biasGates * units);
      stream.reserve(ops.training);
      stream.reserve(ops.inference);
      stream.reserve(ops.backward);
      return ops;
    } catch (RuntimeException e) {
      ops.close();
      throw e;
    } finally {
      dnnl_primitive_attr_destroy(attr);
      Dnnl.destroy(src, dst, kernelAny, kernelPlain, recurrentAny, recurrentPlain, biasPlain);
    }
  }

  private Op forward(
      int prop,
      dnnl_memory_desc src,
      dnnl_memory_desc kernel,
      dnnl_memory_desc recurrent,
      dnnl_memory_desc bias,
      dnnl_memory_desc dst,
      dnnl_primitive_attr attr) {
    dnnl_primitive_desc pd = new dnnl_primitive_desc();
    dnnl_memory_desc none = null;
    int dir = dnnl_unidirectional_left2right;
    int status;
    if (cell == Cell.LSTM) {
      status =
          dnnl_lstm_forward_primitive_desc_create(
              pd,
              Dnnl.engine(),
              prop,
              dir,
              src,
              none,
              none,
              kernel,
              recurrent,
              none,
              none,
              bias,
              dst,
              none,
              none,
              0,
              attr);
    } else if (cell == Cell.GRU) {
      status =
          dnnl_gru_forward_primitive_desc_create(
              pd, Dnnl.engine(), prop, dir, src, none, kernel, recurrent, bias, dst, none, 0, attr);
    } else {
      status =
          dnnl_lbr_gru_forward_primitive_desc_create(
              pd, Dnnl.engine(), prop, dir, src, none, kernel, recurrent, bias, dst, none, 0, attr);
    }
    return prop == dnnl_forward_training
        ? Op.of(
            pd,
            status,
            DNNL_ARG_SRC_LAYER,
            DNNL_ARG_WEIGHTS_LAYER,
            DNNL_ARG_WEIGHTS_ITER,
            DNNL_ARG_BIAS,
            DNNL_ARG_DST_LAYER,
            DNNL_ARG_WORKSPACE,
            DNNL_ARG_SCRATCHPAD)
        : Op.of(
            pd,
            status,
            DNNL_ARG_SRC_LAYER,
            DNNL_ARG_WEIGHTS_LAYER,
            DNNL_ARG_WEIGHTS_ITER,
            DNNL_ARG_BIAS,
            DNNL_ARG_DST_LAYER,
            DNNL_ARG_SCRATCHPAD);
  }

  private Op backward(
      dnnl_memory_desc src,
      dnnl_memory_desc kernel,
      dnnl_memory_desc recurrent,
      dnnl_memory_desc bias,
      dnnl_memory_desc dst,
      dnnl_primitive_attr attr) {
    dnnl_primitive_desc pd = new dnnl_primitive_desc();
    dnnl_memory_desc none = null;
    int dir = dnnl_unidirectional_left2right;
    int status;
    if (cell == Cell.LSTM) {
      status =
          dnnl_lstm_backward_primitive_desc_create(
              pd,
              Dnnl.engine(),
              dnnl_backward,
              dir,
              src,
              none,
              none,
              kernel,
              recurrent,
              none,
              none,
              bias,
              dst,
              none,
              none,
              src,
              none,
              none,
              kernel,
              recurrent,
              none,
              none,
              bias,
              dst,
              none,
              none,
              0,
              training.pd(),
              attr);
    } else if (cell == Cell.GRU) {
      status =
          dnnl_gru_backward_primitive_desc_create(
              pd,
              Dnnl.engine(),
              dnnl_backward,
              dir,
              src,
              none,
              kernel,
              recurrent,
              bias,
              dst,
              none,
              src,
              none,
              kernel,
              recurrent,
              bias,
              dst,
              none,
              0,
              training.pd(),
              attr);
    } else {
      status =
          dnnl_lbr_gru_backward_primitive_desc_create(
              pd,
              Dnnl.engine(),
              dnnl_backward,
              dir,
              src,
              none,
              kernel,
              recurrent,
              bias,
              dst,
              none,
              src,
              none,
              kernel,
              recurrent,
              bias,
              dst,
              none,
              0,
              training.pd(),
              attr);
    }
    return Op.of(
        pd,
        status,
        DNNL_ARG_SRC_LAYER,
        DNNL_ARG_WEIGHTS_LAYER,
        DNNL_ARG_WEIGHTS_ITER,
        DNNL_ARG_BIAS,
        DNNL_ARG_DST_LAYER,
        DNNL_ARG_DIFF_DST_LAYER,
        DNNL_ARG_WORKSPACE,
        DNNL_ARG_DIFF_SRC_LAYER,
        DNNL_ARG_DIFF_WEIGHTS_LAYER,
        DNNL_ARG_DIFF_WEIGHTS_ITER,
        DNNL_ARG_DIFF_BIAS,
        DNNL_ARG_SCRATCHPAD);
  }

  public boolean matches(int batch, int steps, int features) {
    return this.batch == batch && this.steps == steps && this.features == features;
  }

  /** Whether the last forward kept what backward needs (it ran in training). */
  public boolean trained() {
    return trained;
  }

  /** Reorders of one training step. */
  public int reordersPerStep() {
    int n = 0;
    for (Layout[] ls : new Layout[][] {trainingIn, backwardIn, backwardOut}) {
      for (Layout l : ls) {
        n += l.reorders() ? 1 : 0;
      }
    }
    return n;
  }

  /**
   * Runs the sequences {@code x}; {@code out} receives every step's hidden state ({@code allSteps})
   * or the last one's.
   */
  public void forward(
      boolean train,
      Tensor x,
      Tensor kernel,
      Tensor recurrent,
      Tensor bias,
      Tensor out,
      boolean allSteps) {
    Op op = train ? training : inference;
    Layout[] in = train ? trainingIn : inferenceIn;
    long dst = allSteps ? out.address() : sequence.address();
    op.at(DNNL_ARG_SRC_LAYER, x.address())
        .at(DNNL_ARG_WEIGHTS_LAYER, in[0].feed(stream, kernel.address()))
        .at(DNNL_ARG_WEIGHTS_ITER, in[1].feed(stream, recurrent.address()))
        .at(DNNL_ARG_BIAS, bias(bias))
        .at(DNNL_ARG_DST_LAYER, dst);
    if (train) {
      op.at(DNNL_ARG_WORKSPACE, workspace.address());
    }
    stream.run(op);
    stream.finish();
    trained = train;
    if (!allSteps) {
      FloatBuffer s = sequence.buffer();
      for (int n = 0; n < batch; n++) {
        out.data().put(out.offset() + n * units, s, (n * steps + steps - 1) * units, units);
      }
    }
  }

  /** The model's bias as oneDNN's: the LSTM's as it is, the GRU's two rows combined. */
  private long bias(Tensor b) {
    if (cell == Cell.LSTM) {
      return b.address();
    }
    int g3 = 3 * units;
    FloatBuffer in = b.data();
    FloatBuffer to = bias.buffer();
    int at = b.offset();
    int summed = cell == Cell.GRU ? g3 : 2 * units;
    for (int j = 0; j < summed; j++) {
      to.put(j, in.get(at + j) + in.get(at + g3 + j));
    }
    if (cell == Cell.GRU_RESET_AFTER) {
      for (int j = 0; j < units; j++) {
        to.put(2 * units + j, in.get(at + 2 * units + j));
        to.put(3 * units + j, in.get(at + g3 + 2 * units + j));
      }
    }
    return bias.address();
  }

  /**
   * Gradients of the kernels and bias (overwritten; when they are null, a frozen layer, oneDNN's go
   * to scratch) and, if {@code dx} is not null, of the input, from the gradient of the output,
   * after a training {@link #forward} of this step.
   */
  public void backward(
      Tensor x,
      Tensor out,
      Tensor grad,
      Tensor kernel,
      Tensor recurrent,
      Tensor bias,
      Tensor dKernel,
      Tensor dRecurrent,
      Tensor dBias,
      Tensor dx,
      boolean allSteps) {
    long dst = allSteps ? out.address() : sequence.address();
    long diffDst = grad.address();
    if (!allSteps) {
      // the gradient reaches the last step only; the other steps' rows stay zero
      FloatBuffer d = lastStepGradient.buffer();
      for (int n = 0; n < batch; n++) {
        d.put((n * steps + steps - 1) * units, grad.data(), grad.offset() + n * units, units);
      }
      diffDst = lastStepGradient.address();
    }
    boolean frozen = dKernel == null;
    if (frozen) {
      if (frozenGradients == null) {
        int g = cell.gates;
        frozenGradients =
            new Tensor[] {
              Tensor.zeros(features, g * units),
              Tensor.zeros(units, g * units),
              Tensor.zeros(cell == Cell.LSTM ? 4 * units : 6 * units)
            };
      }
      dKernel = frozenGradients[0];
      dRecurrent = frozenGradients[1];
      dBias = frozenGradients[2];
    }
    long dk = backwardOut[0].target(dKernel.address());
    long dr = backwardOut[1].target(dRecurrent.address());
    long db = cell == Cell.LSTM ? dBias.address() : biasGradient.address();
    // oneDNN adds the weight gradients to what the buffers hold (in its layout, maybe padded)
    zero.fill(dk, backwardOut[0].targetBytes(4L * features * cell.gates * units));
    zero.fill(dr, backwardOut[1].targetBytes(4L * units * cell.gates * units));
    zero.fill(db, 4L * cell.biasGates * units);
    stream.run(
        backward
            .at(DNNL_ARG_SRC_LAYER, x.address())
            .at(DNNL_ARG_WEIGHTS_LAYER, backwardIn[0].feed(stream, kernel.address()))
            .at(DNNL_ARG_WEIGHTS_ITER, backwardIn[1].feed(stream, recurrent.address()))
            .at(DNNL_ARG_BIAS, bias(bias))
            .at(DNNL_ARG_DST_LAYER, dst)
            .at(DNNL_ARG_DIFF_DST_LAYER, diffDst)
            .at(DNNL_ARG_WORKSPACE, workspace.address())
            .at(DNNL_ARG_DIFF_SRC_LAYER, dx != null ? dx.address() : inputGradient.address())
            .at(DNNL_ARG_DIFF_WEIGHTS_LAYER, dk)
            .at(DNNL_ARG_DIFF_WEIGHTS_ITER, dr)
            .at(DNNL_ARG_DIFF_BIAS, db));
    backwardOut[0].drain(stream, dKernel.address());
    backwardOut[1].drain(stream, dRecurrent.address());
    stream.finish();
    if (cell != Cell.LSTM && !frozen) {
      biasGradient(dBias);
    }
  }

  /** oneDNN's bias gradient as the GRU's two rows. */
  private void biasGradient(Tensor dBias) {
    int g3 = 3 * units;
    FloatBuffer from = biasGradient.buffer();
    FloatBuffer to = dBias.data();
    int at = dBias.offset();
    for (int j = 0; j < 2 * units; j++) {
      to.put(at + j, from.get(j));
      to.put(at + g3 + j, from.get(j));
    }
    int n = 2 * units;
    int recurrentN = cell == Cell.GRU ? 2 * units : 3 * units;
    for (int j = 0; j < units; j++) {
      to.put(at + n + j, from.get(n + j));
      to.put(at + g3 + n + j, from.get(recurrentN + j));
    }
  }

  @Override
  public void close() {
    for (Op op : new Op[] {training, inference, backward}) {
      if (op != null) {
        op.close();
      }
    }
    owned.close();
    if (frozenGradients != null) {
      for (Tensor t : frozenGradients) {
        t.close();
      }
      frozenGradients = null;
    }
  }

  /** Zeroes native memory at an address, through a pointer re-aimed per call. */
  private static final class Zero extends Pointer {
    void fill(long at, long bytes) {
      address = at;
      limit = bytes;
      capacity = bytes;
      Pointer.memset(this, 0, bytes);
    }
  }
}
