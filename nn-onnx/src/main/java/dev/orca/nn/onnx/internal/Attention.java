package dev.orca.nn.onnx.internal;

import dev.orca.nn.Shape;
import dev.orca.nn.layers.MultiHeadAttention;
import java.util.Arrays;
import java.util.List;

/**
 * MultiHeadAttention written as standard operators (opset 17 has no attention operator): the
 * projections as MatMul + Add, heads split by Reshape + Transpose, scores by MatMul, a causal mask
 * added before Softmax, heads joined again and projected back.
 */
final class Attention {
  private Attention() {}

  static void export(Exporter e, MultiHeadAttention m, String[] in, Shape[] shapes, String out) {
    String x = in[0];
    String c = in[in.length - 1];
    int d = shapes[0].dim(1);
    int dc = shapes[shapes.length - 1].dim(1);
    int tq = shapes[0].dim(0);
    int tk = shapes[shapes.length - 1].dim(0);
    int h = m.heads();
    int k = m.keyDim();
    int hk = h * k;
    String q = project(e, x, "query", d, hk);
    String key = project(e, c, "key", dc, hk);
    String v = project(e, c, "value", dc, hk);
    // (N, T, h, k) -> (N, h, T, k); keys -> (N, h, k, T)
    String qh = heads(e, q, h, k, 0, 2, 1, 3);
    String kh = heads(e, key, h, k, 0, 2, 3, 1);
    String vh = heads(e, v, h, k, 0, 2, 1, 3);
    String scores = e.nodeFor("MatMul", null, List.of(qh, kh));
    float[] scale = {(float) (1 / Math.sqrt(k))};
    scores = e.nodeFor("Mul", null, List.of(scores, e.floatFor("scale", new int[0], scale)));
    if (m.causal()) {
      float[] mask = new float[tq * tk];
      for (int i = 0; i < tq; i++) {
        Arrays.fill(mask, i * tk + i + 1, (i + 1) * tk, -1e30f);
      }
      scores =
          e.nodeFor(
              "Add", null, List.of(scores, e.floatFor("causal_mask", new int[] {tq, tk}, mask)));
    }
    String p = e.nodeFor("Softmax", null, List.of(scores), Exporter.integer("axis", -1));
    String a = e.nodeFor("MatMul", null, List.of(p, vh));
    a = e.nodeFor("Transpose", null, List.of(a), Exporter.ints("perm", 0, 2, 1, 3));
    a = e.nodeFor("Reshape", null, List.of(a, e.longsFor("shape", 0, 0, hk)));
    String y =
        e.nodeFor("MatMul", null, List.of(a, e.weightFor("output_kernel", new int[] {hk, d})));
    e.nodeFor("Add", out, List.of(y, e.weightFor("output_bias", new int[] {d})));
  }

  private static String project(Exporter e, String x, String what, int in, int hk) {
    String y =
        e.nodeFor("MatMul", null, List.of(x, e.weightFor(what + "_kernel", new int[] {in, hk})));
    return e.nodeFor("Add", null, List.of(y, e.weightFor(what + "_bias", new int[] {hk})));
  }

  private static String heads(Exporter e, String x, int h, int k, long... perm) {
    String split = e.nodeFor("Reshape", null, List.of(x, e.longsFor("shape", 0, 0, h, k)));
    return e.nodeFor("Transpose", null, List.of(split), Exporter.ints("perm", perm));
  }
}
