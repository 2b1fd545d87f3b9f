package dev.orca.nn.onnx.internal;

import dev.orca.OrcaDataException;
import dev.orca.nn.onnx.proto.OnnxIr.TensorProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A tensor known at import time: an initializer, a Constant node's value, or what the importer
 * folded from them (shape arithmetic). Values are held as doubles (exact for float32 and for the
 * integers of shapes and indices). A dimension or an integer value may be {@link #BATCH}, the batch
 * size that only the run knows: PyTorch builds zero initial states of recurrent layers from {@code
 * Shape(x)}, and such a constant is kept as one repeated value ({@link #uniform}).
 */
final class Const {
  /** The batch size, unknown until run time. */
  static final int BATCH = -1;

  /** As an integer value (a Shape's entry). */
  static final double BATCH_VALUE = Double.NEGATIVE_INFINITY;

  final int[] dims;
  final double[] data;
  final boolean integer;

  Const(int[] dims, double[] data, boolean integer) {
    this.dims = dims;
    this.data = data;
    this.integer = integer;
  }

  static Const scalar(double v, boolean integer) {
    return new Const(new int[0], new double[] {v}, integer);
  }

  static Const vector(long[] values) {
    double[] d = new double[values.length];
    for (int i = 0; i < d.length; i++) {
      d[i] = values[i];
    }
    return new Const(new int[] {values.length}, d, true);
  }

  /** One value repeated over every element (dims may hold the batch). */
  boolean uniform() {
    return data.length == 1;
  }

  boolean symbolic() {
    for (int d : dims) {
      if (d == BATCH) {
        return true;
      }
    }
    return false;
  }

  int size() {
    int n = 1;
    for (int d : dims) {
      n *= d;
    }
    return n;
  }

  double get(int i) {
    return uniform() ? data[0] : data[i];
  }

  /** The values as floats, expanded if uniform; fails for a size the run decides. */
  float[] floats(String what) {
    if (symbolic()) {
      throw new OrcaDataException(what + " has a size that depends on the batch");
    }
    float[] f = new float[size()];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) get(i);
    }
    return f;
  }

  /** The values as whole numbers (shapes, axes, indices). */
  long[] longs(String what) {
    if (symbolic()) {
      throw new OrcaDataException(what + " has a size that depends on the batch");
    }
    long[] l = new long[size()];
    for (int i = 0; i < l.length; i++) {
      double v = get(i);
      l[i] = v == BATCH_VALUE ? BATCH : (long) v;
    }
    return l;
  }

  boolean allEqual(double v) {
    for (double d : data) {
      if (d != v) {
        return false;
      }
    }
    return true;
  }

  /** Reads a TensorProto: float, double and the integer types, typed fields or raw bytes. */
  static Const of(TensorProto t, String what) {
    if (t.getExternalDataCount() > 0 || t.getDataLocation() == 1) {
      throw new OrcaDataException(
          what
              + " keeps its values in an external file: save the ONNX model with its weights inside");
    }
    int[] dims = new int[t.getDimsCount()];
    long n = 1;
    for (int i = 0; i < dims.length; i++) {
      long d = t.getDims(i);
      if (d < 0 || d > Integer.MAX_VALUE) {
        throw new OrcaDataException(what + " has dimension " + d);
      }
      dims[i] = (int) d;
      n *= d;
    }
    if (n > Integer.MAX_VALUE) {
      throw new OrcaDataException(what + " has " + n + " values, more than a tensor holds");
    }
    int count = (int) n;
    double[] data = new double[count];
    int type = t.getDataType();
    ByteBuffer raw =
        t.hasRawData()
            ? t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN)
            : null;
    int width = width(type, what);
    if (raw != null && raw.remaining() != (long) count * width) {
      throw new OrcaDataException(
          what + " holds " + raw.remaining() + " bytes for " + count + " values of " + width);
    }
    boolean integer =
        type != TensorProto.DataType.FLOAT_VALUE && type != TensorProto.DataType.DOUBLE_VALUE;
    for (int i = 0; i < count; i++) {
      data[i] = raw != null ? readRaw(raw, type, i) : readTyped(t, type, i, count, what);
    }
    return new Const(dims, data, integer);
  }

  private static int width(int type, String what) {
    switch (type) {
      case TensorProto.DataType.FLOAT_VALUE:
      case TensorProto.DataType.INT32_VALUE:
      case TensorProto.DataType.UINT32_VALUE:
        return 4;
      case TensorProto.DataType.DOUBLE_VALUE:
      case TensorProto.DataType.INT64_VALUE:
      case TensorProto.DataType.UINT64_VALUE:
        return 8;
      case TensorProto.DataType.INT8_VALUE:
      case TensorProto.DataType.UINT8_VALUE:
      case TensorProto.DataType.BOOL_VALUE:
        return 1;
      case TensorProto.DataType.INT16_VALUE:
      case TensorProto.DataType.UINT16_VALUE:
        return 2;
      default:
        throw new OrcaDataException(
            what
                + " has element type "
                + TensorProto.DataType.forNumber(type)
                + "; the importer reads float, double and integer tensors");
    }
  }

  private static double readRaw(ByteBuffer b, int type, int i) {
    switch (type) {
      case TensorProto.DataType.FLOAT_VALUE:
        return b.getFloat(4 * i);
      case TensorProto.DataType.INT32_VALUE:
        return b.getInt(4 * i);
      case TensorProto.DataType.UINT32_VALUE:
        return Integer.toUnsignedLong(b.getInt(4 * i));
      case TensorProto.DataType.DOUBLE_VALUE:
        return b.getDouble(8 * i);
      case TensorProto.DataType.INT64_VALUE:
      case TensorProto.DataType.UINT64_VALUE:
        return b.getLong(8 * i);
      case TensorProto.DataType.INT8_VALUE:
        return b.get(i);
      case TensorProto.DataType.UINT8_VALUE:
      case TensorProto.DataType.BOOL_VALUE:
        return b.get(i) & 0xff;
      case TensorProto.DataType.INT16_VALUE:
        return b.getShort(2 * i);
      default:
        return b.getShort(2 * i) & 0xffff;
    }
  }

  private static double readTyped(TensorProto t, int type, int i, int count, String what) {
    switch (type) {
      case TensorProto.DataType.FLOAT_VALUE:
        check(t.getFloatDataCount(), count, what);
        return t.getFloatData(i);
      case TensorProto.DataType.DOUBLE_VALUE:
        check(t.getDoubleDataCount(), count, what);
        return t.getDoubleData(i);
      case TensorProto.DataType.INT64_VALUE:
        check(t.getInt64DataCount(), count, what);
        return t.getInt64Data(i);
      case TensorProto.DataType.UINT64_VALUE:
      case TensorProto.DataType.UINT32_VALUE:
        check(t.getUint64DataCount(), count, what);
        return t.getUint64Data(i);
      default:
        // int32, int16, int8, uint16, uint8 and bool all live in int32_data
        check(t.getInt32DataCount(), count, what);
        return t.getInt32Data(i);
    }
  }

  private static void check(int have, int need, String what) {
    if (have != need) {
      throw new OrcaDataException(what + " holds " + have + " values, its dimensions " + need);
    }
  }

  /** A float tensor (raw little-endian bytes) for an exported model. */
  static TensorProto floatTensor(String name, int[] dims, float[] values) {
    ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    TensorProto.Builder t =
        TensorProto.newBuilder()
            .setName(name)
            .setDataType(TensorProto.DataType.FLOAT_VALUE)
            .setRawData(com.google.protobuf.ByteString.copyFrom(b.array()));
    for (int d : dims) {
      t.addDims(d);
    }
    return t.build();
  }

  /** An int64 tensor for an exported model (shapes, axes, indices). */
  static TensorProto longTensor(String name, int[] dims, long[] values) {
    TensorProto.Builder t =
        TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE);
    for (int d : dims) {
      t.addDims(d);
    }
    for (long v : values) {
      t.addInt64Data(v);
    }
    return t.build();
  }

  @Override
  public String toString() {
    return "constant " + Arrays.toString(dims);
  }
}
