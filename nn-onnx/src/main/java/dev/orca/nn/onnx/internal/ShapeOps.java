package dev.orca.nn.onnx.internal;

import dev.orca.nn.GraphModel;
import dev.orca.nn.Shape;
import dev.orca.nn.layers.Concat;
import dev.orca.nn.layers.Embedding;
import dev.orca.nn.layers.Flatten;
import dev.orca.nn.layers.Gather;
import dev.orca.nn.layers.Reshape;
import dev.orca.nn.onnx.proto.OnnxIr.AttributeProto;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Operators that move values around: Flatten, Reshape, Transpose, Squeeze, Unsqueeze, Concat,
 * Gather, Constant; and, on constants only, the shape arithmetic exporters emit (Shape, Expand,
 * ConstantOfShape, Cast, Pad without padding).
 */
final class ShapeOps {
  private ShapeOps() {}

  static void register(Map<String, Ops.Op> m) {
    m.put("Flatten", ShapeOps::flatten);
    m.put("Reshape", ShapeOps::reshape);
    m.put("Transpose", ShapeOps::transpose);
    m.put("Squeeze", t -> squeeze(t, true));
    m.put("Unsqueeze", t -> squeeze(t, false));
    m.put("Concat", ShapeOps::concat);
    m.put("Gather", ShapeOps::gather);
    m.put("Constant", ShapeOps::constant);
    m.put("Shape", ShapeOps::shape);
    m.put("Expand", ShapeOps::expand);
    m.put("ConstantOfShape", ShapeOps::constantOfShape);
    m.put("Cast", ShapeOps::cast);
    m.put("Pad", ShapeOps::pad);
  }

  /** A computed value given new per-sample dims without moving any value (a copy). */
  private static Value reshaped(
      Translation t, Value v, int[] dims, int batchAxis, int[] order, String suffix) {
    GraphModel.Node n = t.arrange(v, v.natural());
    int[] sample = new int[order.length];
    for (int i = 0; i < order.length; i++) {
      sample[i] = dims[order[i]];
    }
    if (!Arrays.equals(sample, v.sampleDims(v.natural()))) {
      n = t.apply(new Reshape(sample), suffix, n);
    }
    return t.computed(n, dims, batchAxis, order);
  }

  static void flatten(Translation t) {
    Value v = t.required(0, "input");
    int r = v.rank();
    long raw = t.integer("axis", 1);
    int a = (int) (raw < 0 ? raw + r : raw);
    if (a < 0 || a > r) {
      throw t.unsupported("axis " + raw + " is outside a tensor of rank " + r);
    }
    if (v.isConstant()) {
      Const c = v.constant;
      int[] d = {Layout.product(c.dims, 0, a), Layout.product(c.dims, a, r)};
      t.out(0, Value.of(Fold.reshape(c, d)));
      return;
    }
    if (v.batchAxis >= 0) {
      if (v.batchAxis != 0 || a != 1) {
        throw t.unsupported(
            "flattening from axis " + a + " would merge the batch with other axes; only axis 1");
      }
      GraphModel.Node n = t.apply(new Flatten(), null, t.arrange(v, v.natural()));
      t.out(
          0,
          t.computed(n, new int[] {Const.BATCH, Layout.product(v.dims, 1, r)}, 0, new int[] {1}));
      return;
    }
    int[] d = {Layout.product(v.dims, 0, a), Layout.product(v.dims, a, r)};
    t.out(0, reshaped(t, v, d, -1, new int[] {0, 1}, null));
  }

  static void reshape(Translation t) {
    Value v = t.required(0, "data");
    long[] target = t.constant(1, "shape").longs("the target shape");
    boolean allowZero = t.integer("allowzero", 0) != 0;
    int r = target.length;
    int[] d = new int[r];
    int infer = -1;
    boolean batchFirst = v.batchAxis >= 0;
    if (batchFirst && (v.batchAxis != 0 || r == 0)) {
      throw t.unsupported("the batch must stay the first axis of a reshape");
    }
    long known = 1;
    for (int i = batchFirst ? 1 : 0; i < r; i++) {
      long s = target[i];
      if (s == 0 && !allowZero) {
        if (i >= v.rank()) {
          throw t.unsupported("target dimension " + i + " copies an axis the input lacks");
        }
        s = v.dims[i];
      }
      if (s == -1) {
        if (infer >= 0) {
          throw t.unsupported("the target shape infers more than one dimension");
        }
        infer = i;
        continue;
      }
      if (s < 0) {
        throw t.unsupported("target dimension " + i + " is " + target[i]);
      }
      d[i] = (int) s;
      known *= s;
    }
    int size =
        v.isConstant()
            ? v.constant.size()
            : Layout.product(v.sampleDims(v.natural()), 0, v.order.length);
    if (infer >= 0) {
      if (known == 0 || size % known != 0) {
        throw t.unsupported(
            "the target shape "
                + Arrays.toString(target)
                + " does not fit "
                + size
                + " values per sample");
      }
      d[infer] = (int) (size / known);
      known *= d[infer];
    }
    if (known != size) {
      throw t.unsupported(
          "the target shape "
              + Arrays.toString(target)
              + " does not hold the "
              + size
              + " values "
              + (batchFirst
                  ? "of each sample (its first entry is taken as the batch)"
                  : "of the tensor"));
    }
    if (v.isConstant()) {
      t.out(0, Value.of(Fold.reshape(v.constant, d)));
      return;
    }
    if (batchFirst) {
      d[0] = Const.BATCH;
      t.out(0, reshaped(t, v, d, 0, Value.natural(r, 0), null));
    } else {
      t.out(0, reshaped(t, v, d, -1, Value.natural(r, -1), null));
    }
  }

  static void transpose(Translation t) {
    Value v = t.required(0, "data");
    int r = v.rank();
    long[] p = t.integers("perm", null);
    int[] perm = new int[r];
    for (int i = 0; i < r; i++) {
      perm[i] = p == null ? r - 1 - i : (int) p[i];
    }
    if (v.isConstant()) {
      t.out(0, Value.of(Fold.transpose(v.constant, perm)));
      return;
    }
    int[] inverse = new int[r];
    for (int i = 0; i < r; i++) {
      inverse[perm[i]] = i;
    }
    int[] dims = new int[r];
    for (int i = 0; i < r; i++) {
      dims[i] = v.dims[perm[i]];
    }
    int[] order = new int[v.order.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = inverse[v.order[i]];
    }
    // only bookkeeping: the engine keeps its layout, the value knows where each axis went
    t.out(0, t.computed(v.node, dims, v.batchAxis < 0 ? -1 : inverse[v.batchAxis], order));
  }

  static void squeeze(Translation t, boolean squeeze) {
    Value v = t.required(0, "data");
    long[] axes =
        t.opset >= 13
            ? (t.in(1) == null ? null : t.constant(1, "axes").longs("axes"))
            : t.integers("axes", null);
    int r = v.rank();
    int outRank = squeeze ? (axes == null ? -1 : r - axes.length) : r + axes.length;
    boolean[] marked = new boolean[squeeze ? r : outRank];
    if (axes == null) {
      if (!squeeze) {
        throw t.unsupported("it has no axes");
      }
      for (int i = 0; i < r; i++) {
        marked[i] = v.dims[i] == 1;
      }
    } else {
      for (long a : axes) {
        marked[t.axis(a, marked.length)] = true;
      }
    }
    // old axis -> new axis (-1: squeezed)
    int[] map = new int[r];
    List<Integer> dims = new ArrayList<>();
    if (squeeze) {
      for (int i = 0, k = 0; i < r; i++) {
        if (marked[i]) {
          if (v.dims[i] != 1) {
            throw t.unsupported("axis " + i + " has size " + v.dims[i] + ", not 1");
          }
          map[i] = -1;
        } else {
          map[i] = k++;
          dims.add(v.dims[i]);
        }
      }
    } else {
      for (int i = 0, k = 0; i < marked.length; i++) {
        if (marked[i]) {
          dims.add(1);
        } else {
          map[k++] = i;
          dims.add(v.dims[k - 1]);
        }
      }
    }
    int[] d = dims.stream().mapToInt(Integer::intValue).toArray();
    if (v.isConstant()) {
      t.out(0, Value.of(Fold.reshape(v.constant, d)));
      return;
    }
    if (v.batchAxis >= 0 && map[v.batchAxis] < 0) {
      throw t.unsupported("it squeezes the batch axis");
    }
    int batch = v.batchAxis < 0 ? -1 : map[v.batchAxis];
    // keep the engine's order of the surviving axes; new unit axes go last
    List<Integer> order = new ArrayList<>();
    for (int o : v.order) {
      if (map[o] >= 0) {
        order.add(map[o]);
      }
    }
    for (int i = 0; i < d.length; i++) {
      if (i != batch && !order.contains(i)) {
        order.add(i);
      }
    }
    int[] o = order.stream().mapToInt(Integer::intValue).toArray();
    int[] sample = new int[o.length];
    for (int i = 0; i < o.length; i++) {
      sample[i] = d[o[i]];
    }
    GraphModel.Node n = v.node;
    if (!Arrays.equals(sample, v.sampleDims(v.order))) {
      n = t.apply(new Reshape(sample), null, n);
    }
    t.out(0, t.computed(n, d, batch, o));
  }

  static void concat(Translation t) {
    int count = t.node().getInputCount();
    Value[] in = new Value[count];
    boolean allConstant = true;
    Value runtime = null;
    for (int i = 0; i < count; i++) {
      in[i] = t.required(i, "input " + i);
      allConstant &= in[i].isConstant();
      if (!in[i].isConstant() && runtime == null) {
        runtime = in[i];
      }
    }
    int r = in[0].rank();
    int axis = t.axis(t.integer("axis", 0), r);
    if (allConstant) {
      Const[] parts = new Const[count];
      for (int i = 0; i < count; i++) {
        parts[i] = in[i].constant;
      }
      t.out(0, Value.of(Fold.concat(parts, axis)));
      return;
    }
    t.notBatch(runtime, axis, "the concatenation");
    int[] order =
        runtime.position(axis) == runtime.order.length - 1
            ? runtime.order
            : Ops.moveLast(runtime.order, axis);
    int[] dims = runtime.dims.clone();
    dims[axis] = 0;
    GraphModel.Node[] from = new GraphModel.Node[count];
    for (int i = 0; i < count; i++) {
      Value v = in[i];
      if (v.rank() != r || (!v.isConstant() && v.batchAxis != runtime.batchAxis)) {
        throw t.unsupported("its inputs differ in rank or batch axis");
      }
      dims[axis] += v.dims[axis];
      from[i] = t.arrange(v, order);
    }
    GraphModel.Node n = count == 1 ? from[0] : t.apply(new Concat(), null, from);
    t.out(0, t.computed(n, dims, runtime.batchAxis, order));
  }

  static void gather(Translation t) {
    Value data = t.required(0, "data");
    Value indices = t.required(1, "indices");
    int axis = t.axis(t.integer("axis", 0), data.rank());
    if (data.isConstant() && indices.isConstant()) {
      t.out(0, Value.of(Fold.gather(data.constant, axis, indices.constant)));
      return;
    }
    if (data.isConstant()) {
      // a lookup table: an embedding
      Const table = data.constant;
      if (table.dims.length != 2 || axis != 0) {
        throw t.unsupported("a constant table must be a matrix read along axis 0 (an embedding)");
      }
      GraphModel.Node ids = t.arrange(indices, indices.natural());
      GraphModel.Node n = t.apply(new Embedding(table.dims[0], table.dims[1]), null, ids);
      t.weight(n.name(), "embeddings", table.floats("the embedding table"));
      int[] dims = Arrays.copyOf(indices.dims, indices.rank() + 1);
      dims[dims.length - 1] = table.dims[1];
      int[] order = Arrays.copyOf(indices.natural(), indices.natural().length + 1);
      order[order.length - 1] = dims.length - 1;
      t.out(0, t.computed(n, dims, indices.batchAxis, order));
      return;
    }
    if (!indices.isConstant()) {
      throw t.unsupported("both its data and its indices are computed; one must be a constant");
    }
    t.notBatch(data, axis, "the gather");
    Const idx = indices.constant;
    long[] raw = idx.longs("the indices");
    int[] ids = new int[raw.length];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = (int) raw[i];
    }
    int q = idx.dims.length;
    int p = data.position(axis);
    GraphModel.Node n = t.apply(new Gather(p, ids, idx.dims), null, data.node);
    int[] dims = new int[data.rank() - 1 + q];
    int k = 0;
    for (int i = 0; i < axis; i++) {
      dims[k++] = data.dims[i];
    }
    for (int s : idx.dims) {
      dims[k++] = s;
    }
    for (int i = axis + 1; i < data.rank(); i++) {
      dims[k++] = data.dims[i];
    }
    List<Integer> order = new ArrayList<>();
    for (int o : data.order) {
      if (o == axis) {
        for (int j = 0; j < q; j++) {
          order.add(axis + j);
        }
      } else {
        order.add(o < axis ? o : o + q - 1);
      }
    }
    int batch =
        data.batchAxis < 0 ? -1 : data.batchAxis < axis ? data.batchAxis : data.batchAxis + q - 1;
    t.out(0, t.computed(n, dims, batch, order.stream().mapToInt(Integer::intValue).toArray()));
  }

  static void constant(Translation t) {
    for (AttributeProto a : t.node().getAttributeList()) {
      switch (a.getName()) {
        case "value":
          t.out(0, Value.of(Const.of(a.getT(), "the value of Constant '" + t.nodeName() + "'")));
          return;
        case "value_float":
          t.out(0, Value.of(Const.scalar(a.getF(), false)));
          return;
        case "value_int":
          t.out(0, Value.of(Const.scalar(a.getI(), true)));
          return;
        case "value_floats":
          {
            double[] d = new double[a.getFloatsCount()];
            for (int i = 0; i < d.length; i++) {
              d[i] = a.getFloats(i);
            }
            t.out(0, Value.of(new Const(new int[] {d.length}, d, false)));
            return;
          }
        case "value_ints":
          {
            long[] l = new long[a.getIntsCount()];
            for (int i = 0; i < l.length; i++) {
              l[i] = a.getInts(i);
            }
            t.out(0, Value.of(Const.vector(l)));
            return;
          }
        default:
          break;
      }
    }
    throw t.unsupported("it has no value the importer reads (value, value_float(s), value_int(s))");
  }

  /** The shape of a value; the batch is a symbol only the run knows. */
  static void shape(Translation t) {
    Value v = t.required(0, "data");
    int r = v.rank();
    long start = t.integer("start", 0);
    long end = t.integer("end", r);
    int s = (int) Math.max(0, Math.min(r, start < 0 ? start + r : start));
    int e = (int) Math.max(0, Math.min(r, end < 0 ? end + r : end));
    double[] d = new double[Math.max(0, e - s)];
    for (int i = 0; i < d.length; i++) {
      int dim = v.dims[s + i];
      d[i] = dim == Const.BATCH ? Const.BATCH_VALUE : dim;
    }
    t.out(0, Value.of(new Const(new int[] {d.length}, d, true)));
  }

  /** Expand of a constant that repeats one value (zero initial states, for instance). */
  static void expand(Translation t) {
    Value in = t.required(0, "input");
    Const shape = t.constant(1, "shape");
    if (!in.isConstant() || in.constant.symbolic() || !in.constant.allEqual(in.constant.get(0))) {
      throw t.unsupported(
          "only a constant whose values are all equal is expanded (at import time)");
    }
    t.out(
        0,
        Value.of(new Const(dims(shape), new double[] {in.constant.get(0)}, in.constant.integer)));
  }

  static void constantOfShape(Translation t) {
    Const shape = t.constant(0, "shape");
    AttributeProto a = t.attribute("value");
    Const v = a == null ? Const.scalar(0, false) : Const.of(a.getT(), "ConstantOfShape's value");
    t.out(0, Value.of(new Const(dims(shape), new double[] {v.get(0)}, v.integer)));
  }

  private static int[] dims(Const shape) {
    int[] d = new int[shape.size()];
    for (int i = 0; i < d.length; i++) {
      double x = shape.get(i);
      d[i] = x == Const.BATCH_VALUE ? Const.BATCH : (int) x;
    }
    return d;
  }

  static void cast(Translation t) {
    Value v = t.required(0, "input");
    long to = t.integer("to", 1);
    boolean integer = to != 1 && to != 10 && to != 11 && to != 16;
    if (v.isConstant()) {
      double[] d = v.constant.data.clone();
      if (integer) {
        for (int i = 0; i < d.length; i++) {
          d[i] = d[i] == Const.BATCH_VALUE ? d[i] : (long) d[i];
        }
      }
      t.out(0, Value.of(new Const(v.constant.dims, d, integer)));
      return;
    }
    if (to != 1) {
      throw t.unsupported("a computed tensor can only be cast to float (the engine's type)");
    }
    t.out(0, v);
  }

  static void pad(Translation t) {
    Value v = t.required(0, "data");
    long[] pads =
        t.opset >= 11 ? t.constant(1, "pads").longs("pads") : t.integers("pads", new long[0]);
    for (long p : pads) {
      if (p != 0) {
        throw t.unsupported("it pads; only a Pad that adds nothing is supported (a no-op)");
      }
    }
    t.out(0, v);
  }

  static Shape shapeOf(int[] d) {
    return Shape.of(d);
  }
}
