package dev.orca.nn.onnx.internal;

import dev.orca.OrcaDataException;
import dev.orca.nn.Engine;
import dev.orca.nn.GraphModel;
import dev.orca.nn.Model;
import dev.orca.nn.Shape;
import dev.orca.nn.onnx.proto.OnnxIr.GraphProto;
import dev.orca.nn.onnx.proto.OnnxIr.ModelProto;
import dev.orca.nn.onnx.proto.OnnxIr.NodeProto;
import dev.orca.nn.onnx.proto.OnnxIr.OperatorSetIdProto;
import dev.orca.nn.onnx.proto.OnnxIr.TensorProto;
import dev.orca.nn.onnx.proto.OnnxIr.TensorShapeProto;
import dev.orca.nn.onnx.proto.OnnxIr.ValueInfoProto;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Translates an ONNX model into an engine model, node by node (see {@link Ops}). */
public final class Importer {
  /** The opsets whose operators the importer reads as it knows them. */
  public static final int OLDEST_OPSET = 1;

  public static final int NEWEST_OPSET = 17;

  private Importer() {}

  /** The supported operators, for messages and documentation. */
  public static String supportedOps() {
    return Ops.supported();
  }

  /**
   * Builds the model. With {@code batched}, the first axis of every graph input is the batch (as
   * models exported for inference have it); without, each input tensor is one whole sample.
   */
  public static Model build(ModelProto model, boolean batched, Engine engine, long seed) {
    int opset = opset(model);
    GraphProto g = model.getGraph();
    Set<String> used = new HashSet<>();
    for (NodeProto n : g.getNodeList()) {
      used.addAll(n.getInputList());
    }
    for (ValueInfoProto o : g.getOutputList()) {
      used.add(o.getName());
    }
    Translation t = new Translation(opset, batched, used);
    Set<String> initialized = new HashSet<>();
    for (TensorProto init : g.getInitializerList()) {
      t.define(init.getName(), Value.of(Const.of(init, "initializer '" + init.getName() + "'")));
      initialized.add(init.getName());
    }
    for (ValueInfoProto in : g.getInputList()) {
      if (!initialized.contains(in.getName())) {
        input(t, in, batched);
      }
    }
    List<NodeProto> nodes = g.getNodeList();
    for (int i = 0; i < nodes.size(); i++) {
      NodeProto n = nodes.get(i);
      t.enter(n, i);
      if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
        throw unsupportedOp(t, n, opset, "of domain '" + n.getDomain() + "'");
      }
      Ops.Op op = Ops.ALL.get(n.getOpType());
      if (op == null) {
        throw unsupportedOp(t, n, opset, "");
      }
      legacy(t, n);
      op.translate(t);
    }
    List<GraphModel.Node> outputs = new ArrayList<>();
    for (ValueInfoProto o : g.getOutputList()) {
      Value v = t.value(o.getName());
      if (v.isConstant()) {
        throw new OrcaDataException(
            "ONNX output '"
                + o.getName()
                + "' is a constant; the engine computes outputs from inputs");
      }
      outputs.add(t.arrange(v, v.natural()));
    }
    Model m =
        t.graph.optSeed(seed).optEngine(engine).build(outputs.toArray(new GraphModel.Node[0]));
    try {
      for (Translation.Weight w : t.weights) {
        var target = w.state() ? m.state(w.layer(), w.name()) : m.parameter(w.layer(), w.name());
        if (target.size() != w.values().length) {
          throw new OrcaDataException(
              "ONNX weights for layer '"
                  + w.layer()
                  + "' "
                  + w.name()
                  + " hold "
                  + w.values().length
                  + " values, the layer needs "
                  + target.size());
        }
        target.copyFrom(w.values());
      }
      return m;
    } catch (RuntimeException e) {
      m.close();
      throw e;
    }
  }

  /**
   * Opsets before 7 gave some operators attributes that change their meaning (explicit broadcasting
   * along an axis, in-place hints, BatchNormalization per activation): refused.
   */
  private static void legacy(Translation t, NodeProto n) {
    for (var a : n.getAttributeList()) {
      boolean changesMeaning =
          a.getName().equals("broadcast")
              || a.getName().equals("consumed_inputs")
              || (a.getName().equals("spatial") && a.getI() == 0)
              || (a.getName().equals("is_test") && a.getI() == 0);
      if (changesMeaning) {
        throw t.unsupported(
            "its legacy attribute '" + a.getName() + "' (before opset 7) is not supported");
      }
    }
  }

  private static OrcaDataException unsupportedOp(
      Translation t, NodeProto n, int opset, String what) {
    return new OrcaDataException(
        "ONNX node '"
            + t.nodeName()
            + "' is a "
            + n.getOpType()
            + (what.isEmpty() ? "" : " " + what)
            + " (opset "
            + opset
            + "), which the importer does not support. It supports: "
            + Ops.supported());
  }

  private static int opset(ModelProto model) {
    int opset = -1;
    for (OperatorSetIdProto o : model.getOpsetImportList()) {
      if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
        opset = (int) o.getVersion();
      }
    }
    if (opset < 0) {
      throw new OrcaDataException(
          "the ONNX model imports no standard operator set (domain ''): it is not an ONNX model the"
              + " importer can read");
    }
    if (opset < OLDEST_OPSET || opset > NEWEST_OPSET) {
      throw new OrcaDataException(
          "the ONNX model uses opset "
              + opset
              + "; the importer reads opsets "
              + OLDEST_OPSET
              + " to "
              + NEWEST_OPSET
              + ": export it again with an opset in that range");
    }
    if (!model.hasGraph()) {
      throw new OrcaDataException("the ONNX model has no graph");
    }
    return opset;
  }

  private static void input(Translation t, ValueInfoProto in, boolean batched) {
    if (!in.getType().hasTensorType()) {
      throw new OrcaDataException(
          "ONNX input '" + in.getName() + "' is not a tensor; only tensor inputs are supported");
    }
    int type = in.getType().getTensorType().getElemType();
    boolean ok =
        type == TensorProto.DataType.FLOAT_VALUE
            || type == TensorProto.DataType.INT64_VALUE
            || type == TensorProto.DataType.INT32_VALUE
            || type == TensorProto.DataType.DOUBLE_VALUE;
    if (!ok) {
      throw new OrcaDataException(
          "ONNX input '"
              + in.getName()
              + "' has element type "
              + TensorProto.DataType.forNumber(type)
              + "; the engine takes float inputs (integer ids are given as floats)");
    }
    TensorShapeProto shape = in.getType().getTensorType().getShape();
    int r = shape.getDimCount();
    if (batched && r == 0) {
      throw new OrcaDataException(
          "ONNX input '" + in.getName() + "' is a scalar: it has no batch axis");
    }
    int[] dims = new int[r];
    for (int i = 0; i < r; i++) {
      TensorShapeProto.Dimension d = shape.getDim(i);
      if (batched && i == 0) {
        dims[i] = Const.BATCH;
        continue;
      }
      if (d.hasDimValue() && d.getDimValue() == 0) {
        throw new OrcaDataException(
            "ONNX input '"
                + in.getName()
                + "' has an empty axis "
                + i
                + ": tensors without values are not supported");
      }
      if (!d.hasDimValue() || d.getDimValue() < 0) {
        throw new OrcaDataException(
            "ONNX input '"
                + in.getName()
                + "' has no fixed size on axis "
                + i
                + (d.hasDimParam() ? " ('" + d.getDimParam() + "')" : "")
                + "; only the batch (axis 0) may vary: export the model with fixed sizes");
      }
      dims[i] = (int) d.getDimValue();
    }
    int batchAxis = batched ? 0 : -1;
    int[] order = Value.natural(r, batchAxis);
    int[] sample = new int[order.length];
    for (int i = 0; i < order.length; i++) {
      sample[i] = dims[order[i]];
    }
    GraphModel.Node n = t.input(in.getName(), Shape.of(sample));
    t.define(in.getName(), Value.computed(n, dims, batchAxis, order));
  }
}
