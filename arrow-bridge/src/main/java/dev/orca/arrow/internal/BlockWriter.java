package dev.orca.arrow.internal;

import dev.orca.OrcaDataException;
import dev.orca.arrow.NullPolicy;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.util.MemoryUtil;
import org.apache.arrow.vector.FieldVector;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.SpecializedGetters;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.expressions.UnsafeRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.apache.spark.unsafe.Platform;

/**
 * Assembles the source columns of one block into its row-major float memory, converting each number
 * to float as it goes. Two ways in: a row at a time ({@link #write}), which applies the null policy
 * (a null or NaN makes it return false under FAIL and DROP after counting it for its column, or is
 * replaced under FILL); and a range of a column batch at a time ({@link #copyColumns}), the fast
 * path for clean scalar columns. This is the hot path of a conversion: no objects per row, one
 * store per value, into one buffer per batch allocated at its exact size.
 */
final class BlockWriter {
  /** Rows per tile of the column-wise copy: a tile of rows (up to some 100 KB) stays in cache. */
  private static final int TILE = 256;

  private final ShardLayout.Block block;
  private final FieldVector vector;
  private final int sources;
  private final int[] ordinals;
  private final ValueKind[] kinds;
  private final boolean[] arrays;
  private final boolean[] nullables;
  private final int[] widths;
  private final long[] offsets;
  private final long rowBytes;
  private final boolean fill;
  private final float fillValue;
  private final long[] badRows;
  private final UnsafeArrayData[] views;
  private final ColumnVector[] columns;
  private final boolean anyArray;
  private ArrowBuf values;
  private long data;

  BlockWriter(ShardLayout.Block block, FieldVector vector, NullPolicy policy) {
    this.block = block;
    this.vector = vector;
    this.sources = block.sources().size();
    this.ordinals = new int[sources];
    this.kinds = new ValueKind[sources];
    this.arrays = new boolean[sources];
    this.nullables = new boolean[sources];
    this.widths = new int[sources];
    this.offsets = new long[sources];
    this.views = new UnsafeArrayData[sources];
    for (int s = 0; s < sources; s++) {
      ShardLayout.Source src = block.sources().get(s);
      ordinals[s] = src.ordinal();
      kinds[s] = src.kind();
      arrays[s] = src.array();
      nullables[s] = src.nullable();
      widths[s] = src.width();
      offsets[s] = (long) src.offset() * Float.BYTES;
      views[s] = src.array() ? new UnsafeArrayData() : null;
    }
    this.columns = new ColumnVector[sources];
    this.anyArray = block.sources().stream().anyMatch(ShardLayout.Source::array);
    this.rowBytes = (long) block.width() * Float.BYTES;
    this.fill = policy.kind() == NullPolicy.Kind.FILL;
    this.fillValue = policy.value();
    this.badRows = new long[sources];
  }

  /** Makes room for {@code rows} rows, keeping those written; the buffer is exactly that large. */
  void reserve(int rows) {
    long need = rows * rowBytes;
    if (values != null && values.capacity() >= need) {
      return;
    }
    ArrowBuf grown = vector.getAllocator().buffer(need);
    if (values != null) {
      MemoryUtil.copyMemory(values.memoryAddress(), grown.memoryAddress(), values.capacity());
      values.close();
    }
    values = grown;
    data = grown.memoryAddress();
  }

  /** Hands the values written to the vector, as a block of {@code rows} rows. */
  void finish(int rows) {
    BlockFields.load(vector, values, rows);
    release();
  }

  /** Gives back the buffer if the batch is abandoned (the vector is closed by its owner). */
  void release() {
    if (values != null) {
      values.close();
      values = null;
    }
  }

  /**
   * Writes the block's values of {@code row} as row {@code index}; false if the row must not be
   * kept.
   */
  boolean write(InternalRow row, int index) {
    long at = data + index * rowBytes;
    boolean ok = true;
    for (int s = 0; s < sources; s++) {
      int ordinal = ordinals[s];
      long to = at + offsets[s];
      if (nullables[s] && row.isNullAt(ordinal)) {
        ok &= bad(s, to, widths[s]);
      } else if (!arrays[s]) {
        float v = read(kinds[s], row, ordinal);
        if (v != v) {
          ok &= bad(s, to, 1);
        } else {
          Platform.putFloat(null, to, v);
        }
      } else {
        ok &= writeArray(s, array(s, row, ordinal), to);
      }
    }
    return ok;
  }

  /**
   * Copies rows {@code from} to {@code from + n - 1} of {@code batch} into block rows {@code at}
   * on, column by column, a tile of rows at a time so the rows written stay in cache. Returns
   * false, leaving the rows to the row-by-row path, if a block column is an array or holds a null
   * or NaN in the range (the fast path neither counts nor fills).
   */
  boolean copyColumns(ColumnarBatch batch, int from, int n, int at) {
    if (anyArray) {
      return false;
    }
    for (int s = 0; s < sources; s++) {
      ColumnVector column = batch.column(ordinals[s]);
      if (nullables[s] && column.hasNull()) {
        return false;
      }
      columns[s] = column;
    }
    boolean nan = false;
    for (int t = 0; t < n; t += TILE) {
      int rows = Math.min(TILE, n - t);
      long base = data + (at + t) * rowBytes;
      for (int s = 0; s < sources; s++) {
        nan |= copyColumn(kinds[s], columns[s], from + t, rows, base + offsets[s]);
      }
    }
    return !nan;
  }

  /** One column of a tile, strided into the rows; true if a NaN was among the values. */
  private boolean copyColumn(ValueKind kind, ColumnVector column, int from, int rows, long to) {
    boolean nan = false;
    switch (kind) {
      case FLOAT -> {
        for (int i = 0; i < rows; i++) {
          float v = column.getFloat(from + i);
          nan |= v != v;
          Platform.putFloat(null, to + i * rowBytes, v);
        }
      }
      case DOUBLE -> {
        for (int i = 0; i < rows; i++) {
          float v = (float) column.getDouble(from + i);
          nan |= v != v;
          Platform.putFloat(null, to + i * rowBytes, v);
        }
      }
      default -> {
        for (int i = 0; i < rows; i++) {
          Platform.putFloat(null, to + i * rowBytes, read(kind, column, from + i));
        }
      }
    }
    return nan;
  }

  private boolean writeArray(int s, ArrayData array, long to) {
    int width = widths[s];
    if (array.numElements() != width) {
      throw new UnequalArrays(
          what()
              + " array column '"
              + block.sources().get(s).column()
              + "' holds an array of length "
              + array.numElements()
              + " where the arrays are "
              + width
              + " long");
    }
    ValueKind kind = kinds[s];
    boolean clean = true;
    for (int j = 0; j < width; j++) {
      float v = array.isNullAt(j) ? Float.NaN : read(kind, array, j);
      if (v != v) {
        if (!fill) {
          clean = false;
          continue;
        }
        v = fillValue;
      }
      Platform.putFloat(null, to + (long) j * Float.BYTES, v);
    }
    if (!clean) {
      badRows[s]++;
    }
    return clean;
  }

  private ArrayData array(int s, InternalRow row, int ordinal) {
    if (row instanceof UnsafeRow unsafe) {
      long offsetAndSize = unsafe.getLong(ordinal);
      views[s].pointTo(
          unsafe.getBaseObject(),
          unsafe.getBaseOffset() + (offsetAndSize >>> 32),
          (int) offsetAndSize);
      return views[s];
    }
    return row.getArray(ordinal);
  }

  /** A null or NaN at {@code to}: filled, or counted and refused. */
  private boolean bad(int s, long to, int width) {
    if (fill) {
      for (int j = 0; j < width; j++) {
        Platform.putFloat(null, to + (long) j * Float.BYTES, fillValue);
      }
      return true;
    }
    badRows[s]++;
    return false;
  }

  private static float read(ValueKind kind, ColumnVector src, int i) {
    return switch (kind) {
      case INT -> src.getInt(i);
      case LONG -> src.getLong(i);
      case SHORT -> src.getShort(i);
      case BYTE -> src.getByte(i);
      case BOOLEAN -> src.getBoolean(i) ? 1f : 0f;
      default -> throw new IllegalStateException(kind + " read as a whole number");
    };
  }

  private static float read(ValueKind kind, SpecializedGetters src, int i) {
    return switch (kind) {
      case FLOAT -> src.getFloat(i);
      case DOUBLE -> (float) src.getDouble(i);
      case INT -> src.getInt(i);
      case LONG -> src.getLong(i);
      case SHORT -> src.getShort(i);
      case BYTE -> src.getByte(i);
      case BOOLEAN -> src.getBoolean(i) ? 1f : 0f;
      default -> throw new IllegalStateException(kind + " in a float block");
    };
  }

  /** How many rows had a null or NaN, per source column ("" if none). */
  String badRowsReport(long rowsRead, String where) {
    StringBuilder b = new StringBuilder();
    for (int s = 0; s < sources; s++) {
      if (badRows[s] > 0) {
        b.append(b.length() == 0 ? "" : "; ")
            .append(what())
            .append(" column '")
            .append(block.sources().get(s).column())
            .append("' has a null or NaN in ")
            .append(badRows[s])
            .append(" of ")
            .append(rowsRead)
            .append(" rows ")
            .append(where);
      }
    }
    return b.toString();
  }

  private String what() {
    return BlockFields.FEATURES.equals(block.role()) ? "feature" : block.role();
  }

  /** Arrays of another length than the block's: always an error, whatever the null policy. */
  static final class UnequalArrays extends OrcaDataException {
    private static final long serialVersionUID = 1L;

    UnequalArrays(String message) {
      super(message);
    }
  }
}
