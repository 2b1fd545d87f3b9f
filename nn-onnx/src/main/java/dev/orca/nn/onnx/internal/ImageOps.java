package dev.orca.nn.onnx.internal;

import dev.orca.nn.GraphModel;
import dev.orca.nn.layers.AveragePool2D;
import dev.orca.nn.layers.BatchNorm;
import dev.orca.nn.layers.Conv1D;
import dev.orca.nn.layers.Conv2D;
import dev.orca.nn.layers.GlobalAveragePool;
import dev.orca.nn.layers.Initializer;
import dev.orca.nn.layers.Layer;
import dev.orca.nn.layers.LayerNorm;
import dev.orca.nn.layers.MaxPool2D;
import dev.orca.nn.layers.NormStatistics;
import dev.orca.nn.layers.Reshape;
import dev.orca.nn.layers.Window;
import java.util.Map;

/**
 * Convolution, pooling and normalisation. ONNX lays images out channels-first; the engine's layers
 * work channels-last, so the importer holds such values channels-last and the next Transpose-free
 * operator reads them as they are (see {@link Value}). 1-D operators run as 2-D ones over one row.
 * Without a batch axis (a whole tensor is one sample) they run over its first axis, wrapped in
 * TimeDistributed.
 */
final class ImageOps {
  private ImageOps() {}

  static void register(Map<String, Ops.Op> m) {
    m.put("Conv", ImageOps::conv);
    m.put("MaxPool", t -> pool(t, true));
    m.put("AveragePool", t -> pool(t, false));
    m.put("GlobalAveragePool", ImageOps::globalAveragePool);
    m.put("BatchNormalization", ImageOps::batchNorm);
    m.put("LayerNormalization", ImageOps::layerNorm);
  }

  /** Channels-last order of an NC... value: spatial axes, then the channels. */
  static int[] channelsLast(Translation t, Value v, String what) {
    int r = v.rank();
    if (v.isConstant()) {
      throw t.unsupported("its input is a constant");
    }
    if (v.batchAxis > 0) {
      throw t.unsupported(what + " needs the batch first (N, C, ...)");
    }
    int[] order = new int[v.batchAxis < 0 ? r : r - 1];
    int k = 0;
    if (v.batchAxis < 0) {
      order[k++] = 0;
    }
    for (int a = 2; a < r; a++) {
      order[k++] = a;
    }
    order[k] = 1;
    return order;
  }

  /** Explicit begin/end padding per spatial axis, from pads or auto_pad. */
  static int[][] pads(Translation t, int[] in, int[] kernel, int[] strides, int[] dilations) {
    int s = in.length;
    String auto = t.text("auto_pad", "NOTSET");
    int[][] p = new int[2][s];
    long[] given = t.integers("pads", null);
    for (int i = 0; i < s; i++) {
      switch (auto) {
        case "NOTSET":
          if (given != null) {
            p[0][i] = (int) given[i];
            p[1][i] = (int) given[i + s];
          }
          break;
        case "VALID":
          break;
        case "SAME_UPPER":
        case "SAME_LOWER":
          {
            int out = (in[i] + strides[i] - 1) / strides[i];
            int total =
                Math.max((out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - in[i], 0);
            int small = total / 2;
            p[0][i] = auto.equals("SAME_UPPER") ? small : total - small;
            p[1][i] = total - p[0][i];
            break;
          }
        default:
          throw t.unsupported("auto_pad " + auto + " is not an ONNX padding");
      }
    }
    return p;
  }

  private static int[] ints(Translation t, String name, int count, int otherwise) {
    long[] v = t.integers(name, null);
    int[] r = new int[count];
    for (int i = 0; i < count; i++) {
      r[i] = v == null ? otherwise : (int) v[i];
    }
    return r;
  }

  static void conv(Translation t) {
    Value x = t.required(0, "X");
    Const w = t.constant(1, "W");
    Value bv = t.in(2);
    int r = x.rank();
    if (r != 3 && r != 4) {
      throw t.unsupported("only 1-D and 2-D convolutions are supported, got rank " + r);
    }
    if (t.integer("group", 1) != 1) {
      throw t.unsupported(
          "grouped convolutions (group " + t.integer("group", 1) + ") are not supported");
    }
    int spatial = r - 2;
    int filters = w.dims[0];
    int channels = w.dims[1];
    if (channels != x.dims[1]) {
      throw t.unsupported("W has " + channels + " input channels, X " + x.dims[1]);
    }
    int[] kernel = new int[spatial];
    for (int i = 0; i < spatial; i++) {
      kernel[i] = w.dims[2 + i];
    }
    int[] strides = ints(t, "strides", spatial, 1);
    int[] dilations = ints(t, "dilations", spatial, 1);
    int[] in = new int[spatial];
    for (int i = 0; i < spatial; i++) {
      in[i] = x.dims[2 + i];
    }
    int[][] pads = pads(t, in, kernel, strides, dilations);
    int[] order = channelsLast(t, x, "a convolution");
    GraphModel.Node from = t.arrange(x, order);
    boolean wrap = x.batchAxis < 0;
    // engine kernel rows: (kernel position, input channel); columns: filters
    int[] perm = spatial == 2 ? new int[] {2, 3, 1, 0} : new int[] {2, 1, 0};
    float[] kernelData = Layout.permute(w.floats("W"), w.dims, perm);
    Layer layer;
    if (spatial == 2) {
      Window win =
          Window.of(kernel[0], kernel[1])
              .strides(strides[0], strides[1])
              .dilations(dilations[0], dilations[1])
              .pads(pads[0][0], pads[0][1], pads[1][0], pads[1][1]);
      layer = new Conv2D(filters, win, Conv2D.Padding.VALID, Initializer.HE_UNIFORM);
    } else {
      layer =
          new Conv1D(
              filters,
              kernel[0],
              strides[0],
              dilations[0],
              pads[0][0],
              pads[1][0],
              Conv2D.Padding.VALID,
              Initializer.HE_UNIFORM);
    }
    GraphModel.Node n = t.applyPerImage(layer, null, from, wrap);
    t.weight(n.name(), "kernel", kernelData);
    float[] bias = new float[filters];
    if (bv != null) {
      bias = t.constant(2, "B").floats("B");
    }
    t.weight(n.name(), "bias", bias);
    t.out(0, outValue(x, n, filters, order));
  }

  /** The ONNX value of a channels-last engine output. */
  private static Value outValue(Value x, GraphModel.Node n, int channels, int[] order) {
    int[] sample = n.shape().dims();
    int[] dims = x.dims.clone();
    dims[1] = channels;
    int first = x.batchAxis < 0 ? 1 : 0;
    for (int a = 2; a < dims.length; a++) {
      dims[a] = sample[first + a - 2];
    }
    if (x.batchAxis < 0) {
      dims[0] = sample[0];
    }
    return Value.computed(n, dims, x.batchAxis, order);
  }

  static void pool(Translation t, boolean max) {
    Value x = t.required(0, "X");
    int r = x.rank();
    if (r != 3 && r != 4) {
      throw t.unsupported("only 1-D and 2-D pooling is supported, got rank " + r);
    }
    if (max && t.used(1)) {
      throw t.unsupported("its Indices output is used");
    }
    int spatial = r - 2;
    int[] kernel = ints(t, "kernel_shape", spatial, 0);
    int[] strides = ints(t, "strides", spatial, 1);
    int[] dilations = ints(t, "dilations", spatial, 1);
    int[] in = new int[spatial];
    for (int i = 0; i < spatial; i++) {
      in[i] = x.dims[2 + i];
    }
    int[][] pads = pads(t, in, kernel, strides, dilations);
    boolean ceil = t.integer("ceil_mode", 0) != 0;
    int[] order = channelsLast(t, x, "pooling");
    GraphModel.Node from = t.arrange(x, order);
    boolean wrap = x.batchAxis < 0;
    Window win;
    int c = x.dims[1];
    if (spatial == 2) {
      win =
          Window.of(kernel[0], kernel[1])
              .strides(strides[0], strides[1])
              .dilations(dilations[0], dilations[1])
              .pads(pads[0][0], pads[0][1], pads[1][0], pads[1][1])
              .ceilMode(ceil);
    } else {
      win =
          Window.of(1, kernel[0])
              .strides(1, strides[0])
              .dilations(1, dilations[0])
              .pads(0, pads[0][0], 0, pads[1][0])
              .ceilMode(ceil);
      // (steps, c) as an image of one row
      int[] sample = x.sampleDims(order);
      int[] image = new int[sample.length + 1];
      int k = 0;
      for (int i = 0; i < sample.length - 2; i++) {
        image[k++] = sample[i];
      }
      image[k++] = 1;
      image[k++] = sample[sample.length - 2];
      image[k] = c;
      from = t.apply(new Reshape(image), "as_image", from);
    }
    Layer layer =
        max ? new MaxPool2D(win) : new AveragePool2D(win, t.integer("count_include_pad", 0) != 0);
    GraphModel.Node n = t.applyPerImage(layer, null, from, wrap);
    if (spatial == 1) {
      int[] s = n.shape().dims();
      int[] seq = new int[s.length - 1];
      int k = 0;
      for (int i = 0; i < s.length; i++) {
        if (i != s.length - 3) {
          seq[k++] = s[i];
        }
      }
      n = t.apply(new Reshape(seq), "as_sequence", n);
    }
    t.out(0, outValue(x, n, c, order));
  }

  static void globalAveragePool(Translation t) {
    Value x = t.required(0, "X");
    if (x.rank() < 3) {
      throw t.unsupported("it needs (N, C, spatial...) input");
    }
    int[] order = channelsLast(t, x, "pooling");
    GraphModel.Node n =
        t.applyPerImage(new GlobalAveragePool(true), null, t.arrange(x, order), x.batchAxis < 0);
    int[] dims = x.dims.clone();
    for (int a = 2; a < dims.length; a++) {
      dims[a] = 1;
    }
    t.out(0, Value.computed(n, dims, x.batchAxis, order));
  }

  static void batchNorm(Translation t) {
    Value x = t.required(0, "X");
    if (t.integer("training_mode", 0) != 0) {
      throw t.unsupported(
          "training_mode is set; the engine decides by itself whether a pass trains");
    }
    for (int i = 1; i < t.node().getOutputCount(); i++) {
      if (t.used(i)) {
        throw t.unsupported("its running statistics outputs are used");
      }
    }
    if (x.rank() < 2) {
      throw t.unsupported("it needs (N, C, ...) input");
    }
    int[] order = x.rank() == 2 ? x.natural() : channelsLast(t, x, "batch normalisation");
    if (x.rank() == 2) {
      t.notBatch(x, 1, "batch normalisation");
    }
    float epsilon = t.real("epsilon", 1e-5f);
    float momentum = t.real("momentum", 0.9f);
    if (!(momentum >= 0 && momentum < 1)) {
      momentum = 0.9f;
    }
    GraphModel.Node n = t.apply(new BatchNorm(momentum, epsilon), null, t.arrange(x, order));
    t.weight(n.name(), "gamma", t.constant(1, "scale").floats("scale"));
    t.weight(n.name(), "beta", t.constant(2, "B").floats("B"));
    t.state(n.name(), "moving_mean", t.constant(3, "mean").floats("mean"));
    t.state(n.name(), "moving_variance", t.constant(4, "var").floats("var"));
    t.out(0, Value.computed(n, x.dims, x.batchAxis, order));
  }

  static void layerNorm(Translation t) {
    Value x = t.required(0, "X");
    int r = x.rank();
    int a = t.axis(t.integer("axis", -1), r);
    if (x.batchAxis >= a) {
      throw t.unsupported("it normalises over the batch axis " + x.batchAxis);
    }
    int[] order = new int[x.order.length];
    int k = 0;
    for (int o : x.order) {
      if (o < a) {
        order[k++] = o;
      }
    }
    for (int o = a; o < r; o++) {
      order[k++] = o;
    }
    float epsilon = t.real("epsilon", 1e-5f);
    GraphModel.Node n = t.apply(new LayerNorm(r - a, epsilon), null, t.arrange(x, order));
    t.weight(n.name(), "gamma", t.constant(1, "Scale").floats("Scale"));
    if (t.in(2) != null) {
      t.weight(n.name(), "beta", t.constant(2, "B").floats("B"));
    }
    t.out(0, Value.computed(n, x.dims, x.batchAxis, order));
    // Mean and InvStdDev: the normalised axes kept with size 1
    int[] dims = x.dims.clone();
    for (int o = a; o < r; o++) {
      dims[o] = 1;
    }
    NormStatistics.Statistic[] stats = {
      NormStatistics.Statistic.MEAN, NormStatistics.Statistic.INVERSE_STD
    };
    for (int i = 0; i < 2; i++) {
      if (t.used(i + 1)) {
        GraphModel.Node s =
            t.apply(
                new NormStatistics(r - a, epsilon, stats[i]),
                i == 0 ? "mean" : "inv_std_dev",
                t.arrange(x, order));
        t.out(i + 1, Value.computed(s, dims, x.batchAxis, order));
      }
    }
  }
}
