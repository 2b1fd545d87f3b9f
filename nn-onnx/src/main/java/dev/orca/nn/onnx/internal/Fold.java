package dev.orca.nn.onnx.internal;

import dev.orca.nn.layers.Arithmetic;
import java.util.Arrays;

/** Operations on constants, computed at import time (shape arithmetic, constant subgraphs). */
final class Fold {
  private Fold() {}

  /** NumPy-broadcast arithmetic of two constants. */
  static Const arithmetic(Translation t, Arithmetic.Op op, Const a, Const b) {
    if (a.symbolic() || b.symbolic()) {
      throw t.unsupported("it computes on constants whose size depends on the batch");
    }
    int r = Math.max(a.dims.length, b.dims.length);
    int[] da = pad(a.dims, r);
    int[] db = pad(b.dims, r);
    int[] d = new int[r];
    for (int i = 0; i < r; i++) {
      if (da[i] != db[i] && da[i] != 1 && db[i] != 1) {
        throw t.unsupported(
            "its constants "
                + Arrays.toString(a.dims)
                + " and "
                + Arrays.toString(b.dims)
                + " do not broadcast");
      }
      d[i] = Math.max(da[i], db[i]);
    }
    int n = Layout.product(d, 0, r);
    double[] out = new double[n];
    int[] counter = new int[r];
    for (int o = 0; o < n; o++) {
      double x = a.data[index(counter, da)];
      double y = b.data[index(counter, db)];
      out[o] =
          switch (op) {
            case ADD -> x + y;
            case SUB -> x - y;
            case MUL -> x * y;
            default -> a.integer && b.integer ? Math.floor(x / y) : x / y;
          };
      step(counter, d);
    }
    return new Const(d, out, a.integer && b.integer);
  }

  private static int[] pad(int[] dims, int r) {
    int[] p = new int[r];
    Arrays.fill(p, 1);
    System.arraycopy(dims, 0, p, r - dims.length, dims.length);
    return p;
  }

  /** The flat index of a broadcast element (axes of size 1 repeat). */
  private static int index(int[] counter, int[] dims) {
    int at = 0;
    for (int i = 0; i < dims.length; i++) {
      at = at * dims[i] + (dims[i] == 1 ? 0 : counter[i]);
    }
    return at;
  }

  private static void step(int[] counter, int[] dims) {
    for (int i = dims.length - 1; i >= 0; i--) {
      if (++counter[i] < dims[i]) {
        return;
      }
      counter[i] = 0;
    }
  }

  /** Slices of {@code c} along {@code axis} at {@code indices} (negative from the end). */
  static Const gather(Const c, int axis, Const indices) {
    int n = c.dims[axis];
    int outer = Layout.product(c.dims, 0, axis);
    int inner = Layout.product(c.dims, axis + 1, c.dims.length);
    int q = indices.size();
    double[] out = new double[outer * q * inner];
    int k = 0;
    for (int o = 0; o < outer; o++) {
      for (int j = 0; j < q; j++) {
        int i = (int) indices.get(j);
        i = i < 0 ? i + n : i;
        for (int x = 0; x < inner; x++) {
          out[k++] = c.get((o * n + i) * inner + x);
        }
      }
    }
    int[] d = new int[c.dims.length - 1 + indices.dims.length];
    int p = 0;
    for (int i = 0; i < axis; i++) {
      d[p++] = c.dims[i];
    }
    for (int s : indices.dims) {
      d[p++] = s;
    }
    for (int i = axis + 1; i < c.dims.length; i++) {
      d[p++] = c.dims[i];
    }
    return new Const(d, out, c.integer);
  }

  /** Constants joined along {@code axis}. */
  static Const concat(Const[] parts, int axis) {
    int[] d = parts[0].dims.clone();
    d[axis] = 0;
    for (Const p : parts) {
      d[axis] += p.dims[axis];
    }
    int outer = Layout.product(d, 0, axis);
    int inner = Layout.product(d, axis + 1, d.length);
    double[] out = new double[Layout.product(d, 0, d.length)];
    int k = 0;
    for (int o = 0; o < outer; o++) {
      for (Const p : parts) {
        int len = p.dims[axis] * inner;
        for (int x = 0; x < len; x++) {
          out[k++] = p.get(o * len + x);
        }
      }
    }
    return new Const(d, out, parts[0].integer);
  }

  /** The same values with other dimensions. */
  static Const reshape(Const c, int[] dims) {
    return new Const(dims, c.data, c.integer);
  }

  /** The constant with its axes permuted. */
  static Const transpose(Const c, int[] perm) {
    float[] f = c.floats("constant");
    float[] p = Layout.permute(f, c.dims, perm);
    double[] d = new double[p.length];
    for (int i = 0; i < d.length; i++) {
      d[i] = p[i];
    }
    int[] dims = new int[perm.length];
    for (int i = 0; i < dims.length; i++) {
      dims[i] = c.dims[perm[i]];
    }
    return new Const(dims, d, c.integer);
  }
}
