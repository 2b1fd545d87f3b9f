package dev.orca.nn.onnx.internal;

import dev.orca.nn.GraphModel;
import dev.orca.nn.layers.GRU;
import dev.orca.nn.layers.Gather;
import dev.orca.nn.layers.LSTM;
import dev.orca.nn.layers.Layer;
import dev.orca.nn.layers.Reshape;
import java.util.Arrays;
import java.util.Map;

/**
 * LSTM and GRU, one direction, zero initial state, the default activations. ONNX orders LSTM gates
 * (i, o, f, c) and keeps input and recurrent biases apart; the engine's LSTM orders them (i, f, c,
 * o) with one bias, so weights are reordered and biases summed. GRU gates (z, r, h) agree; its two
 * biases stay apart. The batch may be ONNX's axis 1 (layout 0) or 0 (layout 1).
 */
final class RecurrentOps {
  private RecurrentOps() {}

  static void register(Map<String, Ops.Op> m) {
    m.put("LSTM", t -> recurrent(t, true));
    m.put("GRU", t -> recurrent(t, false));
  }

  /** Engine LSTM gate g (i, f, c, o) is ONNX gate ONNX_LSTM[g] (i, o, f, c). */
  private static final int[] ONNX_LSTM = {0, 2, 3, 1};

  static void recurrent(Translation t, boolean lstm) {
    Value x = t.required(0, "X");
    Const w = t.constant(1, "W");
    Const r = t.constant(2, "R");
    Value b = t.in(3);
    int hidden = (int) t.integer("hidden_size", w.dims[1] / (lstm ? 4 : 3));
    int gates = lstm ? 4 : 3;
    String direction = t.text("direction", "forward");
    if (!direction.equals("forward") || w.dims[0] != 1) {
      throw t.unsupported("direction " + direction + ": only forward is supported");
    }
    if (t.attribute("activations") != null || t.attribute("clip") != null) {
      checkActivations(t, lstm);
    }
    if (lstm && t.integer("input_forget", 0) != 0) {
      throw t.unsupported("input_forget is not supported");
    }
    if (t.in(4) != null) {
      throw t.unsupported("sequence_lens is not supported: every sequence has all its steps");
    }
    for (int i = 5; i < (lstm ? 7 : 6); i++) {
      Value s = t.in(i);
      if (s != null && !(s.isConstant() && s.constant.allEqual(0))) {
        throw t.unsupported("a non-zero initial state is not supported");
      }
    }
    if (lstm && t.in(7) != null) {
      throw t.unsupported("peepholes (P) are not supported");
    }
    if (lstm && t.used(2)) {
      throw t.unsupported("its Y_c output (the last cell state) is used");
    }
    int layout = (int) t.integer("layout", 0);
    int seqAxis = layout == 0 ? 0 : 1;
    int rnnBatch = layout == 0 ? 1 : 0;
    if (x.isConstant() || x.rank() != 3) {
      throw t.unsupported("X must be a computed (seq, batch, input) tensor");
    }
    if (x.batchAxis >= 0 && x.batchAxis != rnnBatch) {
      throw t.unsupported(
          "X holds the batch on axis "
              + x.batchAxis
              + " but layout "
              + layout
              + " reads it on "
              + rnnBatch);
    }
    // engine per-sample order: (sequence batch if no batch axis), steps, features
    int[] order = x.batchAxis >= 0 ? new int[] {seqAxis, 2} : new int[] {rnnBatch, seqAxis, 2};
    GraphModel.Node in = t.arrange(x, order);
    int features = x.dims[2];
    int steps = x.dims[seqAxis];
    float[] kernel = new float[features * gates * hidden];
    float[] recurrent = new float[hidden * gates * hidden];
    float[] wd = w.floats("W");
    float[] rd = r.floats("R");
    float[] bd = b == null ? new float[2 * gates * hidden] : t.constant(3, "B").floats("B");
    float[] bias = new float[(lstm ? 1 : 2) * gates * hidden];
    for (int g = 0; g < gates; g++) {
      int src = lstm ? ONNX_LSTM[g] : g;
      for (int h = 0; h < hidden; h++) {
        int row = src * hidden + h;
        int col = g * hidden + h;
        for (int f = 0; f < features; f++) {
          kernel[f * gates * hidden + col] = wd[row * features + f];
        }
        for (int k = 0; k < hidden; k++) {
          recurrent[k * gates * hidden + col] = rd[row * hidden + k];
        }
        if (lstm) {
          bias[col] = bd[row] + bd[gates * hidden + row];
        } else {
          bias[col] = bd[row];
          bias[gates * hidden + col] = bd[gates * hidden + row];
        }
      }
    }
    boolean sequences = t.used(0);
    Layer layer =
        lstm
            ? new LSTM(hidden, sequences)
            : new GRU(hidden, sequences, t.integer("linear_before_reset", 0) != 0);
    GraphModel.Node n = t.apply(layer, null, in);
    t.weight(n.name(), "kernel", kernel);
    t.weight(n.name(), "recurrent_kernel", recurrent);
    t.weight(n.name(), "bias", bias);
    boolean batched = x.batchAxis >= 0;
    int batch = x.dims[rnnBatch];
    if (sequences) {
      // Y: (seq, 1, batch, hidden) for layout 0, (batch, seq, 1, hidden) for layout 1
      int[] dims =
          layout == 0 ? new int[] {steps, 1, batch, hidden} : new int[] {batch, steps, 1, hidden};
      int yBatch = layout == 0 ? 2 : 0;
      int ySeq = layout == 0 ? 0 : 1;
      int yDir = layout == 0 ? 1 : 2;
      int[] yOrder = batched ? new int[] {ySeq, yDir, 3} : new int[] {yBatch, ySeq, yDir, 3};
      int[] sample = sampleOf(dims, yOrder);
      GraphModel.Node y = t.apply(new Reshape(sample), "with_direction", n);
      t.out(0, Value.computed(y, dims, batched ? yBatch : -1, yOrder));
    }
    if (t.used(1)) {
      // Y_h: (1, batch, hidden) for layout 0, (batch, 1, hidden) for layout 1
      GraphModel.Node last = n;
      if (sequences) {
        last = t.apply(new Gather(batched ? 0 : 1, new int[] {-1}, new int[0]), "last_step", n);
      }
      int[] dims = layout == 0 ? new int[] {1, batch, hidden} : new int[] {batch, 1, hidden};
      int hBatch = layout == 0 ? 1 : 0;
      int hDir = layout == 0 ? 0 : 1;
      int[] hOrder = batched ? new int[] {hDir, 2} : new int[] {hBatch, hDir, 2};
      GraphModel.Node h = t.apply(new Reshape(sampleOf(dims, hOrder)), "last_state", last);
      t.out(1, Value.computed(h, dims, batched ? hBatch : -1, hOrder));
    }
  }

  private static int[] sampleOf(int[] dims, int[] order) {
    int[] s = new int[order.length];
    for (int i = 0; i < order.length; i++) {
      s[i] = dims[order[i]];
    }
    return s;
  }

  private static void checkActivations(Translation t, boolean lstm) {
    if (t.attribute("clip") != null) {
      throw t.unsupported("clip is not supported");
    }
    var a = t.attribute("activations");
    String[] expected =
        lstm ? new String[] {"Sigmoid", "Tanh", "Tanh"} : new String[] {"Sigmoid", "Tanh"};
    String[] got = new String[a.getStringsCount()];
    for (int i = 0; i < got.length; i++) {
      got[i] = a.getStrings(i).toStringUtf8();
    }
    if (!Arrays.equals(got, expected)) {
      throw t.unsupported(
          "activations "
              + Arrays.toString(got)
              + ": only the defaults "
              + Arrays.toString(expected));
    }
  }
}
