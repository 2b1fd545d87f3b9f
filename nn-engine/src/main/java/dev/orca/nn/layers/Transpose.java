package dev.orca.nn.layers;

import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * Permutes the axes of each sample: output axis {@code i} is input axis {@code perm[i]} (the batch
 * axis stays first and is not counted). For example {@code new Transpose(2, 0, 1)} turns
 * channels-last images {@code (h, w, c)} into channels-first {@code (c, h, w)}.
 */
public final class Transpose extends Layer {
  private static final long serialVersionUID = 1L;
  private final int[] perm;

  public Transpose(int... perm) {
    this.perm = perm.clone();
    require(isPermutation(this.perm), "perm must order 0.." + (perm.length - 1) + " once each");
  }

  private static boolean isPermutation(int[] p) {
    boolean[] seen = new boolean[p.length];
    for (int a : p) {
      if (a < 0 || a >= p.length || seen[a]) {
        return false;
      }
      seen[a] = true;
    }
    return true;
  }

  /** The permutation of the per-sample axes. */
  public int[] perm() {
    return perm.clone();
  }

  @Override
  public Shape outputShape(Shape... in) {
    // a model file's copy is checked here too: its array may have been forged
    requireShape(
        perm != null && isPermutation(perm) && in[0].rank() == perm.length,
        "permutes "
            + (perm == null ? 0 : perm.length)
            + " axes, got samples of shape "
            + in[0]
            + " (perm "
            + Arrays.toString(perm)
            + ")");
    int[] d = new int[perm.length];
    for (int i = 0; i < d.length; i++) {
      d[i] = in[0].dim(perm[i]);
    }
    return Shape.of(d);
  }

  @Override
  public String describe() {
    return "perm=" + Arrays.toString(perm);
  }

  @Override
  public void forward(Workspace ws, Tensor[] in, Tensor out) {
    move(ws, in[0], out, false);
  }

  @Override
  public void backward(Workspace ws, Tensor[] in, Tensor out, Tensor g, Tensor[] gradIn) {
    if (gradIn[0] != null) {
      move(ws, gradIn[0], g, true);
    }
  }

  /**
   * Walks the output in order, keeping the matching input offset: gathers input into output
   * (forward) or scatters output back into input (backward).
   */
  private void move(Workspace ws, Tensor x, Tensor y, boolean back) {
    int r = perm.length;
    int[] work = ws.ints(0, 3 * r + 1);
    int dims = 0;
    int strides = r;
    int counter = 2 * r;
    int sample = 1;
    for (int i = r - 1; i >= 0; i--) {
      work[strides + i] = sample; // input strides first, then permuted below
      sample *= x.dim(i + 1);
    }
    for (int i = 0; i < r; i++) {
      work[dims + i] = y.dim(i + 1);
      work[counter + i] = work[strides + perm[i]];
    }
    System.arraycopy(work, counter, work, strides, r);
    FloatBuffer xs = x.data();
    FloatBuffer ys = y.data();
    int batch = x.dim(0);
    int inner = r == 0 ? 1 : work[dims + r - 1];
    int innerStride = r == 0 ? 1 : work[strides + r - 1];
    for (int n = 0; n < batch; n++) {
      int xBase = x.offset() + n * sample;
      int yAt = y.offset() + n * sample;
      Arrays.fill(work, counter, counter + r, 0);
      int xAt = xBase;
      for (int o = 0; o < sample; o += inner) {
        if (back) {
          for (int j = 0; j < inner; j++) {
            xs.put(xAt + j * innerStride, ys.get(yAt + j));
          }
        } else {
          for (int j = 0; j < inner; j++) {
            ys.put(yAt + j, xs.get(xAt + j * innerStride));
          }
        }
        yAt += inner;
        // advance the odometer over all but the innermost output axis
        for (int a = r - 2; a >= 0; a--) {
          xAt += work[strides + a];
          if (++work[counter + a] < work[dims + a]) {
            break;
          }
          xAt -= work[strides + a] * work[dims + a];
          work[counter + a] = 0;
        }
      }
    }
  }
}
