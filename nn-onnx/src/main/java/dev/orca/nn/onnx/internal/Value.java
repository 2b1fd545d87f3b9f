package dev.orca.nn.onnx.internal;

import dev.orca.nn.GraphModel;
import java.util.Arrays;

/**
 * An ONNX value as the importer holds it: either a constant, or a node of the engine graph that
 * computes it. The engine always puts the batch first and may keep the other axes in another order
 * than ONNX does (channels-last images for ONNX's NCHW, time-major sequences seen batch-first), so
 * a computed value records which ONNX axis is the batch and in which order the engine holds the
 * others. A transpose in the ONNX graph then only changes that order: it costs nothing at run time.
 */
final class Value {
  final GraphModel.Node node;
  final Const constant;

  /** The ONNX dimensions; the batch axis holds {@link Const#BATCH}. */
  final int[] dims;

  /** The ONNX axis that is the engine's batch, or -1: the whole tensor is one sample. */
  final int batchAxis;

  /** ONNX axes, batch excluded, in the order of the engine's per-sample axes. */
  final int[] order;

  private Value(GraphModel.Node node, Const constant, int[] dims, int batchAxis, int[] order) {
    this.node = node;
    this.constant = constant;
    this.dims = dims;
    this.batchAxis = batchAxis;
    this.order = order;
  }

  static Value computed(GraphModel.Node node, int[] dims, int batchAxis, int[] order) {
    return new Value(node, null, dims, batchAxis, order);
  }

  static Value of(Const c) {
    return new Value(null, c, c.dims, -1, null);
  }

  boolean isConstant() {
    return constant != null;
  }

  int rank() {
    return dims.length;
  }

  /** The ONNX axes without the batch, in ONNX order. */
  static int[] natural(int rank, int batchAxis) {
    int[] o = new int[batchAxis < 0 ? rank : rank - 1];
    for (int a = 0, k = 0; a < rank; a++) {
      if (a != batchAxis) {
        o[k++] = a;
      }
    }
    return o;
  }

  int[] natural() {
    return natural(rank(), batchAxis);
  }

  boolean isNatural() {
    return Arrays.equals(order, natural());
  }

  /** The engine per-sample dims for an order. */
  int[] sampleDims(int[] o) {
    int[] d = new int[o.length];
    for (int i = 0; i < o.length; i++) {
      d[i] = dims[o[i]];
    }
    return d;
  }

  /** Where ONNX axis {@code axis} lies among the engine's per-sample axes. */
  int position(int axis) {
    for (int i = 0; i < order.length; i++) {
      if (order[i] == axis) {
        return i;
      }
    }
    return -1;
  }

  @Override
  public String toString() {
    return (isConstant() ? "constant " : "value ")
        + Arrays.toString(dims)
        + (batchAxis >= 0 ? " batch axis " + batchAxis : "");
  }
}
