package dev.orca.nn.onnx.internal;

import dev.orca.OrcaDataException;
import dev.orca.nn.GraphModel;
import dev.orca.nn.Shape;
import dev.orca.nn.layers.Constant;
import dev.orca.nn.layers.Layer;
import dev.orca.nn.layers.Reshape;
import dev.orca.nn.layers.TimeDistributed;
import dev.orca.nn.layers.Transpose;
import dev.orca.nn.onnx.proto.OnnxIr.AttributeProto;
import dev.orca.nn.onnx.proto.OnnxIr.NodeProto;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The state of one import: the engine graph being built, what every ONNX value has become, the
 * weights to copy into the model once it is built, and the node being translated (for messages). Op
 * translations ({@link Ops}) read their inputs and write their outputs here.
 */
final class Translation {
  /** A weight or state tensor to copy into the built model. */
  record Weight(String layer, String name, float[] values, boolean state) {}

  final GraphModel graph = new GraphModel();
  final int opset;
  final boolean batched;
  final List<Weight> weights = new ArrayList<>();
  private final Map<String, Value> values = new HashMap<>();
  private final Set<String> used;
  private final Set<String> names = new HashSet<>();
  private GraphModel.Node first;
  private NodeProto node;
  private String base;

  Translation(int opset, boolean batched, Set<String> used) {
    this.opset = opset;
    this.batched = batched;
    this.used = used;
  }

  // ---- values ---------------------------------------------------------------------------

  void define(String name, Value v) {
    values.put(name, v);
  }

  Value value(String name) {
    Value v = values.get(name);
    if (v == null) {
      throw new OrcaDataException(
          "ONNX node '" + nodeName() + "' reads '" + name + "', which no earlier node produces");
    }
    return v;
  }

  /** Graph inputs become model inputs; the first one also feeds Constant layers. */
  GraphModel.Node input(String name, Shape shape) {
    GraphModel.Node n = graph.input(name, shape);
    if (first == null) {
      first = n;
    }
    return n;
  }

  // ---- the node being translated --------------------------------------------------------

  void enter(NodeProto n, int index) {
    node = n;
    base = n.getName().isEmpty() ? n.getOpType() + "_" + index : n.getName();
  }

  NodeProto node() {
    return node;
  }

  String nodeName() {
    return node == null ? "" : base;
  }

  /** Input {@code i}, or null when absent or left empty. */
  Value in(int i) {
    if (i >= node.getInputCount() || node.getInput(i).isEmpty()) {
      return null;
    }
    return value(node.getInput(i));
  }

  Value required(int i, String what) {
    Value v = in(i);
    if (v == null) {
      throw unsupported("it lacks its " + what + " input");
    }
    return v;
  }

  Const constant(int i, String what) {
    Value v = required(i, what);
    if (!v.isConstant()) {
      throw unsupported("its " + what + " must be a constant (an initializer), not computed");
    }
    return v.constant;
  }

  void out(int i, Value v) {
    if (i < node.getOutputCount() && !node.getOutput(i).isEmpty()) {
      values.put(node.getOutput(i), v);
    }
  }

  /** Whether output {@code i} is read by a later node or is a graph output. */
  boolean used(int i) {
    return i < node.getOutputCount()
        && !node.getOutput(i).isEmpty()
        && used.contains(node.getOutput(i));
  }

  // ---- attributes -------------------------------------------------------------------------

  AttributeProto attribute(String name) {
    for (AttributeProto a : node.getAttributeList()) {
      if (a.getName().equals(name)) {
        return a;
      }
    }
    return null;
  }

  long integer(String name, long otherwise) {
    AttributeProto a = attribute(name);
    return a == null ? otherwise : a.getI();
  }

  float real(String name, float otherwise) {
    AttributeProto a = attribute(name);
    return a == null ? otherwise : a.getF();
  }

  String text(String name, String otherwise) {
    AttributeProto a = attribute(name);
    return a == null ? otherwise : a.getS().toStringUtf8();
  }

  /** An ints attribute, or {@code otherwise} when absent. */
  long[] integers(String name, long[] otherwise) {
    AttributeProto a = attribute(name);
    if (a == null) {
      return otherwise;
    }
    long[] v = new long[a.getIntsCount()];
    for (int i = 0; i < v.length; i++) {
      v[i] = a.getInts(i);
    }
    return v;
  }

  // ---- layers -------------------------------------------------------------------------------

  /** A unique layer name: the ONNX node's name for its main layer, with a suffix for helpers. */
  String name(String suffix) {
    String n = suffix == null ? base : base + "/" + suffix;
    String unique = n;
    for (int k = 1; !names.add(unique); k++) {
      unique = n + "_" + k;
    }
    return unique;
  }

  GraphModel.Node apply(Layer layer, String suffix, GraphModel.Node... from) {
    layer.named(name(suffix));
    return graph.apply(layer, from);
  }

  /** {@code layer} on a value; wrapped to run over its leading ONNX axis when there is no batch. */
  GraphModel.Node applyPerImage(Layer layer, String suffix, GraphModel.Node from, boolean wrap) {
    return apply(wrap ? new TimeDistributed(layer) : layer, suffix, from);
  }

  void weight(String layer, String param, float[] v) {
    weights.add(new Weight(layer, param, v, false));
  }

  void state(String layer, String param, float[] v) {
    weights.add(new Weight(layer, param, v, true));
  }

  /**
   * The engine node holding {@code v} with its per-sample axes in {@code order}: as it is, after a
   * reshape when only axes of size 1 move, or after a Transpose layer.
   */
  GraphModel.Node arrange(Value v, int[] order) {
    if (v.isConstant()) {
      return materialize(v.constant, order);
    }
    if (Arrays.equals(v.order, order)) {
      return v.node;
    }
    int[] perm = new int[order.length];
    for (int i = 0; i < order.length; i++) {
      perm[i] = v.position(order[i]);
      if (perm[i] < 0) {
        throw new IllegalStateException(
            "axis " + order[i] + " is not among " + Arrays.toString(v.order));
      }
    }
    if (onlyUnitAxesMove(v, order)) {
      return apply(new Reshape(v.sampleDims(order)), "reshape", v.node);
    }
    return apply(new Transpose(perm), "transpose", v.node);
  }

  private static boolean onlyUnitAxesMove(Value v, int[] order) {
    List<Integer> a = new ArrayList<>();
    List<Integer> b = new ArrayList<>();
    for (int x : v.order) {
      if (v.dims[x] != 1) {
        a.add(x);
      }
    }
    for (int x : order) {
      if (v.dims[x] != 1) {
        b.add(x);
      }
    }
    return a.equals(b);
  }

  /** A Constant layer whose value is {@code c} with its axes in {@code order}. */
  GraphModel.Node materialize(Const c, int[] order) {
    if (first == null) {
      throw unsupported("the graph has no input to attach a constant to");
    }
    if (batched) {
      throw unsupported(
          "a constant would have to take part as a tensor of the batch; the importer feeds"
              + " constants only into operations");
    }
    float[] data = Layout.permute(c.floats("constant"), c.dims, order);
    int[] d = new int[order.length];
    for (int i = 0; i < d.length; i++) {
      d[i] = c.dims[order[i]];
    }
    GraphModel.Node n = apply(new Constant(Shape.of(d)), "constant", first);
    state(n.name(), "value", data);
    return n;
  }

  /** A computed value of this node, {@code node} holding it in {@code order}. */
  Value computed(GraphModel.Node node, int[] dims, int batchAxis, int[] order) {
    return Value.computed(node, dims, batchAxis, order);
  }

  // ---- errors -------------------------------------------------------------------------------

  /** The node is of a kind the importer supports, but not in this form. */
  OrcaDataException unsupported(String why) {
    return new OrcaDataException(
        "ONNX node '"
            + nodeName()
            + "' ("
            + node.getOpType()
            + ", opset "
            + opset
            + ") cannot be imported: "
            + why);
  }

  int axis(long axis, int rank) {
    long a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= rank) {
      throw unsupported("axis " + axis + " is outside a tensor of rank " + rank);
    }
    return (int) a;
  }

  /** Fails unless ONNX axis {@code a} of {@code v} is not the batch. */
  void notBatch(Value v, int a, String what) {
    if (a == v.batchAxis) {
      throw unsupported(
          what
              + " runs along axis "
              + a
              + ", which holds the batch; the engine keeps samples independent");
    }
  }
}
