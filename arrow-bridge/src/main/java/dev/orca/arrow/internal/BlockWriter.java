package dev.orca.arrow.internal;

import dev.orca.OrcaDataException;
import dev.orca.arrow.NullPolicy;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
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
 * (a null, NaN or infinite value makes it return false under FAIL and DROP after counting it for
 * its column, or is replaced under FILL); and a range of a column batch at a time ({@link
 * #copyColumns}), the fast path for clean scalar columns. A double beyond float range becomes
 * infinite as a float, so one test of the float written ({@link Float#isFinite}) catches NaN,
 * infinities and overflow alike. This is the hot path of a conversion: no objects per row, one
 * store per value, into one buffer per batch allocated at its exact size (cut from a slab inside a
 * Spark task, see {@link Slabs}).
 */
final class BlockWriter {
  /** Rows per tile of the column-wise copy: a tile of rows (up to some 100 KB) stays in cache. */
  private static final int TILE = 256;

  private final ShardLayout.Block block;
  private final Slabs slabs;
  private final FieldVector vector;
  private final int sources;
  private final int[] ordinals;
  private final ValueKind[] kinds;
  private final boolean[] arrays;
  private final boolean[] vectors;
  private final boolean[] nullables;
  private final int[] widths;
  private final long[] offsets;
  private final long rowBytes;
  private final boolean fill;
  private final float fillValue;
  private final long[] badRows;
  // the first bad value of each column under FAIL and DROP, for the message: row, array index
  private final long[] firstRows;
  private final int[] firstIndices;
  private final String[] firstValues;
  private final UnsafeArrayData[] views;
  // a vector's stored struct and its indices, viewed in place in an UnsafeRow
  private final UnsafeRow[] vectorViews;
  private final UnsafeArrayData[] indexViews;
  private final ColumnVector[] columns;
  private final int[] runs;
  private final byte[][] cachedFloats;
  private final boolean anyArray;
  private ArrowBuf values;
  private long data;

  BlockWriter(ShardLayout.Block block, FieldVector vector, NullPolicy policy, Slabs slabs) {
    this.block = block;
    this.slabs = slabs;
    this.vector = vector;
    this.sources = block.sources().size();
    this.ordinals = new int[sources];
    this.kinds = new ValueKind[sources];
    this.arrays = new boolean[sources];
    this.vectors = new boolean[sources];
    this.nullables = new boolean[sources];
    this.widths = new int[sources];
    this.offsets = new long[sources];
    this.views = new UnsafeArrayData[sources];
    this.vectorViews = new UnsafeRow[sources];
    this.indexViews = new UnsafeArrayData[sources];
    for (int s = 0; s < sources; s++) {
      ShardLayout.Source src = block.sources().get(s);
      ordinals[s] = src.ordinal();
      kinds[s] = src.kind();
      arrays[s] = src.array();
      vectors[s] = src.vector();
      nullables[s] = src.nullable();
      widths[s] = src.width();
      offsets[s] = (long) src.offset() * Float.BYTES;
      views[s] = src.array() ? new UnsafeArrayData() : null;
      vectorViews[s] = src.vector() ? new UnsafeRow(MlVectors.FIELDS) : null;
      indexViews[s] = src.vector() ? new UnsafeArrayData() : null;
    }
    this.columns = new ColumnVector[sources];
    this.runs = new int[sources];
    this.cachedFloats = new byte[sources][];
    this.anyArray = block.sources().stream().anyMatch(ShardLayout.Source::array);
    this.rowBytes = (long) block.width() * Float.BYTES;
    this.fill = policy.kind() == NullPolicy.Kind.FILL;
    this.fillValue = policy.value();
    this.badRows = new long[sources];
    this.firstRows = new long[sources];
    this.firstIndices = new int[sources];
    this.firstValues = new String[sources];
  }

  /** Makes room for {@code rows} rows, keeping those written; the buffer is exactly that large. */
  void reserve(int rows) {
    long need = rows * rowBytes;
    if (values != null && values.capacity() >= need) {
      return;
    }
    BufferAllocator owner = vector.getAllocator();
    ArrowBuf grown = slabs != null ? slabs.buffer(owner, need) : owner.buffer(need);
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
   * kept. {@code rowNumber} (counted from 1 in the partition) is only for messages.
   */
  boolean write(InternalRow row, int index, long rowNumber) {
    long at = data + index * rowBytes;
    boolean ok = true;
    for (int s = 0; s < sources; s++) {
      int ordinal = ordinals[s];
      long to = at + offsets[s];
      if (nullables[s] && row.isNullAt(ordinal)) {
        if (firstValues[s] == null && !fill) {
          noteFirst(s, rowNumber, -1, "null");
        }
        ok &= bad(s, to, widths[s]);
      } else if (!arrays[s]) {
        float v = read(kinds[s], row, ordinal);
        if (Float.isFinite(v)) {
          Platform.putFloat(null, to, v);
        } else {
          if (firstValues[s] == null && !fill) {
            noteFirst(s, rowNumber, -1, describe(kinds[s], row, ordinal, v));
          }
          ok &= bad(s, to, 1);
        }
      } else if (vectors[s]) {
        ok &= writeVector(s, vector(s, row, ordinal), to, rowNumber);
      } else {
        ok &= writeArray(s, array(s, row, ordinal), to, rowNumber);
      }
    }
    return ok;
  }

  /**
   * Copies rows {@code from} to {@code from + n - 1} of {@code batch} into block rows {@code at}
   * on, column by column, a tile of rows at a time so the rows written stay in cache. Returns
   * false, leaving the rows to the row-by-row path, if a block column is an array or holds a null,
   * NaN or infinite value in the range (the fast path neither counts nor fills).
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
    findCachedRuns();
    boolean bad = false;
    for (int t = 0; t < n; t += TILE) {
      int rows = Math.min(TILE, n - t);
      long base = data + (at + t) * rowBytes;
      for (int s = 0; s < sources; ) {
        if (runs[s] > 0) {
          bad |=
              TileCopy.floats(
                  cachedFloats, s, runs[s], from + t, rows, base + offsets[s], rowBytes);
          s += runs[s];
        } else {
          bad |= copyColumn(kinds[s], columns[s], from + t, rows, base + offsets[s]);
          s++;
        }
      }
    }
    return !bad;
  }

  /**
   * Marks the runs of adjacent float sources read where Spark's cache keeps them ({@code runs[s]}
   * at the first of each, 0 for other sources), which {@link TileCopy} copies together.
   */
  private void findCachedRuns() {
    for (int s = 0; s < sources; ) {
      int n = 0;
      while (s + n < sources
          && kinds[s + n] == ValueKind.FLOAT
          && columns[s + n] instanceof CachedColumn cached
          && (n == 0 || offsets[s + n] == offsets[s + n - 1] + Float.BYTES)) {
        cachedFloats[s + n] = cached.bytes();
        n++;
      }
      runs[s] = n;
      s += Math.max(n, 1);
    }
  }

  /**
   * One column of a tile, strided into the rows; true if a NaN or infinite float was among the
   * values (whole numbers always fit).
   */
  private boolean copyColumn(ValueKind kind, ColumnVector column, int from, int rows, long to) {
    if (column instanceof CachedColumn cached && kind == ValueKind.DOUBLE) {
      return copyCachedDoubles(cached.bytes(), from, rows, to);
    }
    boolean bad = false;
    switch (kind) {
      case FLOAT -> {
        for (int i = 0; i < rows; i++) {
          float v = column.getFloat(from + i);
          bad |= !Float.isFinite(v);
          Platform.putFloat(null, to + i * rowBytes, v);
        }
      }
      case DOUBLE -> {
        for (int i = 0; i < rows; i++) {
          float v = (float) column.getDouble(from + i);
          bad |= !Float.isFinite(v);
          Platform.putFloat(null, to + i * rowBytes, v);
        }
      }
      default -> {
        for (int i = 0; i < rows; i++) {
          Platform.putFloat(null, to + i * rowBytes, read(kind, column, from + i));
        }
      }
    }
    return bad;
  }

  /** {@link #copyColumn} of doubles from Spark's cache, read where the cache keeps them. */
  private boolean copyCachedDoubles(byte[] bytes, int from, int rows, long to) {
    boolean bad = false;
    long at = CachedColumn.offset(from, Double.BYTES);
    for (int i = 0; i < rows; i++) {
      float v = (float) Platform.getDouble(bytes, at + (long) i * Double.BYTES);
      bad |= !Float.isFinite(v);
      Platform.putFloat(null, to + i * rowBytes, v);
    }
    return bad;
  }

  private boolean writeArray(int s, ArrayData array, long to, long rowNumber) {
    int width = widths[s];
    if (array.numElements() != width) {
      throw unequal(s, array.numElements());
    }
    ValueKind kind = kinds[s];
    boolean clean = true;
    for (int j = 0; j < width; j++) {
      clean &= put(s, kind, array, j, j, to, rowNumber);
    }
    if (!clean) {
      badRows[s]++;
    }
    return clean;
  }

  /**
   * A Spark ML vector: a dense one like an array of doubles; a sparse one densified into the row
   * (zeros, then its values at their indices), with the same checks.
   */
  private boolean writeVector(int s, InternalRow vector, long to, long rowNumber) {
    if (vector.getByte(MlVectors.TYPE) != MlVectors.SPARSE) {
      return writeArray(s, arrayOf(vector, MlVectors.VALUES, views[s]), to, rowNumber);
    }
    int width = widths[s];
    int size = vector.getInt(MlVectors.SIZE);
    if (size != width) {
      throw unequal(s, size);
    }
    ArrayData indices = arrayOf(vector, MlVectors.INDICES, indexViews[s]);
    ArrayData values = arrayOf(vector, MlVectors.VALUES, views[s]);
    Platform.setMemory(to, (byte) 0, (long) width * Float.BYTES);
    boolean clean = true;
    for (int k = 0; k < values.numElements(); k++) {
      int j = indices.getInt(k);
      if (j < 0 || j >= width) {
        throw new OrcaDataException(
            what()
                + " vector column '"
                + block.sources().get(s).column()
                + "' holds a sparse vector of size "
                + size
                + " with index "
                + j
                + " (row "
                + rowNumber
                + "): the vector is malformed; rebuild it with Vectors.sparse");
      }
      clean &= put(s, ValueKind.DOUBLE, values, k, j, to, rowNumber);
    }
    if (!clean) {
      badRows[s]++;
    }
    return clean;
  }

  /**
   * Element {@code k} of {@code src} into place {@code j} of the row at {@code to}: false if it is
   * null, NaN or infinite and not filled (the first such is noted for the message).
   */
  private boolean put(int s, ValueKind kind, ArrayData src, int k, int j, long to, long rowNumber) {
    boolean isNull = src.isNullAt(k);
    float v = isNull ? Float.NaN : read(kind, src, k);
    if (!Float.isFinite(v)) {
      if (!fill) {
        if (firstValues[s] == null) {
          noteFirst(s, rowNumber, j, isNull ? "null" : describe(kind, src, k, v));
        }
        return false;
      }
      v = fillValue;
    }
    Platform.putFloat(null, to + (long) j * Float.BYTES, v);
    return true;
  }

  private UnequalArrays unequal(int s, int length) {
    String shape = vectors[s] ? "vector" : "array";
    return new UnequalArrays(
        what()
            + " "
            + shape
            + " column '"
            + block.sources().get(s).column()
            + "' holds "
            + (vectors[s] ? "a vector of size " : "an array of length ")
            + length
            + " where the "
            + shape
            + "s are "
            + widths[s]
            + " long");
  }

  /** The stored struct of the vector in {@code row}, a reused view for an UnsafeRow. */
  private InternalRow vector(int s, InternalRow row, int ordinal) {
    if (row instanceof UnsafeRow unsafe) {
      long offsetAndSize = unsafe.getLong(ordinal);
      vectorViews[s].pointTo(
          unsafe.getBaseObject(),
          unsafe.getBaseOffset() + (offsetAndSize >>> 32),
          (int) offsetAndSize);
      return vectorViews[s];
    }
    return row.getStruct(ordinal, MlVectors.FIELDS);
  }

  /** Array field {@code ordinal} of a vector's struct, through {@code view} if it is unsafe. */
  private static ArrayData arrayOf(InternalRow vector, int ordinal, UnsafeArrayData view) {
    if (vector instanceof UnsafeRow unsafe) {
      long offsetAndSize = unsafe.getLong(ordinal);
      view.pointTo(
          unsafe.getBaseObject(),
          unsafe.getBaseOffset() + (offsetAndSize >>> 32),
          (int) offsetAndSize);
      return view;
    }
    return vector.getArray(ordinal);
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

  /** A null, NaN or infinite value at {@code to}: filled, or counted and refused. */
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

  private void noteFirst(int s, long rowNumber, int index, String value) {
    firstRows[s] = rowNumber;
    firstIndices[s] = index;
    firstValues[s] = value;
  }

  /** A value that is not finite as a float, as the user's data has it. */
  private static String describe(ValueKind kind, SpecializedGetters src, int i, float narrowed) {
    if (kind == ValueKind.DOUBLE) {
      double d = src.getDouble(i);
      return Double.isFinite(d) ? d + ", beyond float range" : Double.toString(d);
    }
    return Float.toString(narrowed);
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

  /**
   * How many rows had a null, NaN or infinite value, per source column, and the first of them (""
   * if none).
   */
  String badRowsReport(long rowsRead, String where) {
    StringBuilder b = new StringBuilder();
    for (int s = 0; s < sources; s++) {
      if (badRows[s] > 0) {
        b.append(b.length() == 0 ? "" : "; ")
            .append(what())
            .append(vectors[s] ? " vector" : arrays[s] ? " array" : "")
            .append(" column '")
            .append(block.sources().get(s).column())
            .append("' has a null, NaN or infinite value in ")
            .append(badRows[s])
            .append(" of ")
            .append(rowsRead)
            .append(" rows ")
            .append(where)
            .append(" (the first is ")
            .append(firstValues[s])
            .append(", in row ")
            .append(firstRows[s])
            .append(firstIndices[s] >= 0 ? " at index " + firstIndices[s] : "")
            .append(")");
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
