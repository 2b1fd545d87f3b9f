package dev.orca.nn.layers;

import dev.orca.nn.Tensor;
import dev.orca.nn.internal.dnnl.PoolingOps;
import dev.orca.nn.internal.dnnl.Unsupported;

/** The oneDNN primitives of {@link MaxPool2D} and {@link AveragePool2D}, kept per shape. */
final class Pooling {
  private Pooling() {}

  /**
   * The primitives for input {@code x} and output {@code out}, or null for the layer's own code.
   */
  static PoolingOps primitives(Workspace ws, PoolingOps.Kind kind, Window k, Tensor x, Tensor out) {
    if (ws.dnnl() == null) {
      return null;
    }
    int batch = x.dim(0);
    int h = x.dim(1);
    int w = x.dim(2);
    int c = x.dim(3);
    PoolingOps ops = ws.kept(0, PoolingOps.class);
    if (ops != null && ops.matches(batch, h, w, c)) {
      return ops;
    }
    Unsupported no = ws.kept(0, Unsupported.class);
    if (no != null && no.matches(batch, h, w, c)) {
      return null;
    }
    int oh = out.dim(1);
    int ow = out.dim(2);
    if (kind == PoolingOps.Kind.AVERAGE_PADDING_COUNTED
        && ((oh - 1) * k.sh + (k.kh - 1) * k.dh + 1 - h - k.pads[0] > k.pads[2]
            || (ow - 1) * k.sw + (k.kw - 1) * k.dw + 1 - w - k.pads[1] > k.pads[3])) {
      // a ceil-mode window past the padding: oneDNN would count those positions, this layer not
      ws.keep(0, new Unsupported("average pooling past the padding", batch, h, w, c));
      return null;
    }
    ops =
        PoolingOps.create(
            ws.dnnl(),
            kind,
            batch,
            h,
            w,
            c,
            k.kernel(),
            k.strides(),
            k.dilations(),
            k.pads[0],
            k.pads[1],
            oh,
            ow);
    if (ops == null) {
      ws.keep(0, new Unsupported(kind + " pooling " + k, batch, h, w, c));
      return null;
    }
    return ws.keep(0, ops);
  }
}
