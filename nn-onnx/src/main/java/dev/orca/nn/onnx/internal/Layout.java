package dev.orca.nn.onnx.internal;

/** Reordering the values of a row-major tensor when its axes are permuted. */
final class Layout {
  private Layout() {}

  /**
   * The values of a tensor of dimensions {@code dims} with its axes taken in {@code order} ({@code
   * order} may leave out axes of size 1).
   */
  static float[] permute(float[] data, int[] dims, int[] order) {
    int rank = dims.length;
    int[] strides = new int[rank];
    for (int i = rank - 1, s = 1; i >= 0; i--) {
      strides[i] = s;
      s *= dims[i];
    }
    int n = 1;
    int[] outDims = new int[order.length];
    for (int i = 0; i < order.length; i++) {
      outDims[i] = dims[order[i]];
      n *= outDims[i];
    }
    float[] out = new float[n];
    int[] counter = new int[order.length];
    for (int o = 0; o < n; o++) {
      int at = 0;
      for (int i = 0; i < order.length; i++) {
        at += counter[i] * strides[order[i]];
      }
      out[o] = data[at];
      for (int i = order.length - 1; i >= 0; i--) {
        if (++counter[i] < outDims[i]) {
          break;
        }
        counter[i] = 0;
      }
    }
    return out;
  }

  static int product(int[] dims, int from, int to) {
    int p = 1;
    for (int i = from; i < to; i++) {
      p *= dims[i];
    }
    return p;
  }
}
