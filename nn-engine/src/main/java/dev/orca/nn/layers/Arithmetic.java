package dev.orca.nn.layers;

import dev.orca.nn.Shape;
import dev.orca.nn.Tensor;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * An element-wise operation between the input and a learned operand that broadcasts over it (NumPy
 * rules, aligned on the last axes; a dimension of 1 repeats): a bias ({@link Op#ADD}), a scale
 * ({@link Op#MUL}), and so on. This is what an imported graph's arithmetic with a weight becomes.
 * The operand is the parameter {@code operand}; it starts at zeros for the additive operations and
 * at ones for the multiplicative ones.
 */
public final class Arithmetic extends Layer {
  private static final long serialVersionUID = 1L;

  /** The operation, with {@code x} the input and {@code w} the operand. */
  public enum Op {
    /** {@code x + w}. */
    ADD,
    /** {@code x - w}. */
    SUB,
    /** {@code w - x}. */
    RSUB,
    /** {@code x * w}. */
    MUL,
    /** {@code x / w}. */
    DIV,
    /** {@code w / x}. */
    RDIV
  }

  private final Op op;
  private final Shape operand;

  public Arithmetic(Op op, Shape operand) {
    require(op != null && operand != null, "needs an operation and an operand shape");
    this.op = op;
    this.operand = operand;
  }

  public Op op() {
    return op;
  }

  public Shape operandShape() {
    return operand;
  }

  @Override
  public Shape outputShape(Shape... in) {
    requireShape(op != null && operand != null, "lacks its operation or operand");
    requireShape(
        broadcasts(operand, in[0]),
        "an operand of shape " + operand + " does not broadcast over samples of shape " + in[0]);
    return in[0];
  }

  /** Whether {@code small} broadcasts over {@code big} (right-aligned, dims equal or 1). */
  public static boolean broadcasts(Shape small, Shape big) {
    if (small.rank() > big.rank()) {
      return false;
    }
    for (int i = 1; i <= small.rank(); i++) {
      if (small.dim(-i) != 1 && small.dim(-i) != big.dim(-i)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public List<ParameterSpec> parameters(Shape... in) {
    boolean additive = op == Op.ADD || op == Op.SUB || op == Op.RSUB;
    return List.of(
        ParameterSpec.constant(
            "operand", operand, additive ? Initializer.ZEROS : Initializer.ONES));
  }

  @Override
  public String describe() {
    return op.name().toLowerCase(java.util.Locale.ROOT) + " " + operand;
  }

  /** For each element of a sample, the index of the operand element it meets. */
  private int[] map(Workspace ws, Tensor x) {
    int sample = x.size() / x.dim(0);
    int[] map = ws.ints(0, sample);
    int rank = x.rank() - 1;
    int[] counter = ws.ints(1, rank);
    java.util.Arrays.fill(counter, 0, rank, 0);
    int offset = rank - operand.rank();
    for (int i = 0; i < sample; i++) {
      int at = 0;
      for (int a = 0; a < operand.rank(); a++) {
        int d = operand.dim(a);
        at = at * d + (d == 1 ? 0 : counter[offset + a]);
      }
      map[i] = at;
      for (int a = rank - 1; a >= 0; a--) {
        if (++counter[a] < x.dim(a + 1)) {
          break;
        }
        counter[a] = 0;
      }
    }
    return map;
  }

  @Override
  public void forward(Workspace ws, Tensor[] in, Tensor out) {
    Tensor x = in[0];
    int[] map = map(ws, x);
    int sample = x.size() / x.dim(0);
    FloatBuffer xs = x.data();
    FloatBuffer ws0 = param(0).data();
    int wo = param(0).offset();
    FloatBuffer y = out.data();
    for (int n = 0, at = 0; n < x.dim(0); n++) {
      for (int i = 0; i < sample; i++, at++) {
        float v = xs.get(x.offset() + at);
        float w = ws0.get(wo + map[i]);
        y.put(out.offset() + at, apply(op, v, w));
      }
    }
  }

  private static float apply(Op op, float x, float w) {
    switch (op) {
      case ADD:
        return x + w;
      case SUB:
        return x - w;
      case RSUB:
        return w - x;
      case MUL:
        return x * w;
      case DIV:
        return x / w;
      default:
        return w / x;
    }
  }

  @Override
  public void backward(Workspace ws, Tensor[] in, Tensor out, Tensor g, Tensor[] gradIn) {
    Tensor x = in[0];
    int[] map = ws.ints(0, 0);
    int sample = x.size() / x.dim(0);
    FloatBuffer xs = x.data();
    FloatBuffer w = param(0).data();
    int wo = param(0).offset();
    boolean weights = !isFrozen();
    Tensor dw = grad(0);
    if (weights) {
      dw.fill(0f);
    }
    FloatBuffer dws = dw.data();
    FloatBuffer gs = g.data();
    Tensor dx = gradIn[0];
    for (int n = 0, at = 0; n < x.dim(0); n++) {
      for (int i = 0; i < sample; i++, at++) {
        float gv = gs.get(g.offset() + at);
        float xv = xs.get(x.offset() + at);
        float wv = w.get(wo + map[i]);
        float dxv;
        float dwv;
        switch (op) {
          case ADD:
            dxv = gv;
            dwv = gv;
            break;
          case SUB:
            dxv = gv;
            dwv = -gv;
            break;
          case RSUB:
            dxv = -gv;
            dwv = gv;
            break;
          case MUL:
            dxv = gv * wv;
            dwv = gv * xv;
            break;
          case DIV:
            dxv = gv / wv;
            dwv = -gv * xv / (wv * wv);
            break;
          default:
            dxv = -gv * wv / (xv * xv);
            dwv = gv / xv;
        }
        if (weights) {
          int d = dw.offset() + map[i];
          dws.put(d, dws.get(d) + dwv);
        }
        if (dx != null) {
          dx.data().put(dx.offset() + at, dxv);
        }
      }
    }
  }
}
