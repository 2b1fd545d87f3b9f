package dev.orca.arrow;

import dev.orca.OrcaDataException;
import dev.orca.arrow.internal.BlockFields;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;
import org.apache.arrow.memory.util.MemoryUtil;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;

/**
 * A {@code rows x width} block of float32 values, row-major and contiguous in off-heap memory, in
 * the machine's byte order: what the engine views as a tensor without copying ({@link TensorView}).
 * It is a view of an Arrow column of a {@link Shard} (a float column, or a fixed-size list of
 * floats) and is valid while that shard is open.
 *
 * <p>Row ranges ({@link #rows(int, int)}) are views too, for mini-batches. Which source column
 * fills which block columns is told by {@link #columns()}.
 */
public final class FloatBlock {
  static {
    if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
      // Arrow buffers are little-endian; a view in native order would read them wrongly
      throw new ExceptionInInitializerError(
          "Orca's float blocks need a little-endian machine; this one is "
              + ByteOrder.nativeOrder());
    }
  }

  private final String name;
  private final Float4Vector data;
  private final int firstRow;
  private final int rows;
  private final int width;
  private final List<BlockColumn> columns;

  private FloatBlock(
      String name,
      Float4Vector data,
      int firstRow,
      int rows,
      int width,
      List<BlockColumn> columns) {
    this.name = name;
    this.data = data;
    this.firstRow = firstRow;
    this.rows = rows;
    this.width = width;
    this.columns = columns;
  }

  /** A view of a float column or a fixed-size list of floats. */
  public static FloatBlock of(FieldVector vector) {
    int width = BlockFields.width(vector.getField());
    return new FloatBlock(
        vector.getName(),
        BlockFields.data(vector),
        0,
        vector.getValueCount(),
        width,
        BlockFields.columns(vector.getField(), width));
  }

  /** The name of the Arrow column this block views. */
  public String name() {
    return name;
  }

  public int rows() {
    return rows;
  }

  public int width() {
    return width;
  }

  /** The number of bytes the block spans: {@code rows * width * 4}. */
  public long byteSize() {
    return (long) rows * width * Float.BYTES;
  }

  /**
   * The address of the first value (row 0, column 0); engine code views the block with {@link
   * TensorView}.
   */
  long address() {
    return data.getDataBufferAddress() + (long) firstRow * width * Float.BYTES;
  }

  /** A direct buffer over the block, in native byte order; no copy. */
  public ByteBuffer byteBuffer() {
    return MemoryUtil.directBuffer(address(), Math.toIntExact(byteSize()))
        .order(ByteOrder.nativeOrder());
  }

  /** A float view of {@link #byteBuffer()}. */
  public FloatBuffer floatBuffer() {
    return byteBuffer().asFloatBuffer();
  }

  /** The source columns and where each lies in a row. */
  public List<BlockColumn> columns() {
    return columns;
  }

  /** The range of one source column; fails naming the columns there are. */
  public BlockColumn column(String column) {
    for (BlockColumn c : columns) {
      if (c.name().equals(column)) {
        return c;
      }
    }
    throw new OrcaDataException(
        "block '"
            + name
            + "' has no column '"
            + column
            + "'; it has "
            + columns.stream().map(BlockColumn::name).toList());
  }

  public float get(int row, int col) {
    return Float.intBitsToFloat(MemoryUtil.getInt(at(row, col)));
  }

  public void set(int row, int col, float value) {
    MemoryUtil.putInt(at(row, col), Float.floatToRawIntBits(value));
  }

  /** Rows {@code start} to {@code start + count - 1} as a block of their own; no copy. */
  public FloatBlock rows(int start, int count) {
    if (start < 0 || count < 0 || start + count > rows) {
      throw new IndexOutOfBoundsException(
          "rows " + start + ".." + (start + count) + " of a block of " + rows);
    }
    return new FloatBlock(name, data, firstRow + start, count, width, columns);
  }

  /** Copies the block, row-major, into {@code dst} from {@code offset}. */
  public void copyTo(float[] dst, int offset) {
    checkArray(dst.length, offset);
    floatBuffer().get(dst, offset, rows * width);
  }

  /** Overwrites the block with {@code rows * width} values of {@code src} from {@code offset}. */
  public void copyFrom(float[] src, int offset) {
    checkArray(src.length, offset);
    floatBuffer().put(src, offset, rows * width);
  }

  /** The block as a new row-major array. */
  public float[] toArray() {
    float[] out = new float[Math.toIntExact((long) rows * width)];
    copyTo(out, 0);
    return out;
  }

  /**
   * Checks that every value is a class index in {@code [0, numClasses)}: a whole number in range.
   * Fails naming the block, how many values are not, and the first of them.
   */
  public FloatBlock checkClassIndices(int numClasses) {
    long bad = 0;
    int firstRow = -1;
    float firstValue = 0;
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < width; c++) {
        float v = get(r, c);
        if (!(v >= 0 && v < numClasses && v == Math.rint(v))) {
          if (bad++ == 0) {
            firstRow = r;
            firstValue = v;
          }
        }
      }
    }
    if (bad > 0) {
      throw new OrcaDataException(
          "'"
              + name
              + "' holds "
              + bad
              + " value(s) that are not class indices in [0, "
              + numClasses
              + "); the first is "
              + firstValue
              + " in row "
              + firstRow
              + ". Map the labels to 0.."
              + (numClasses - 1)
              + " or set the number of classes to match.");
    }
    return this;
  }

  private long at(int row, int col) {
    if (row < 0 || row >= rows || col < 0 || col >= width) {
      throw new IndexOutOfBoundsException(
          "(" + row + ", " + col + ") in a " + rows + " x " + width + " block");
    }
    return address() + ((long) row * width + col) * Float.BYTES;
  }

  private void checkArray(int length, int offset) {
    if (offset < 0 || (long) offset + (long) rows * width > length) {
      throw new IndexOutOfBoundsException(
          "a "
              + rows
              + " x "
              + width
              + " block does not fit an array of "
              + length
              + " from "
              + offset);
    }
  }

  @Override
  public String toString() {
    return "FloatBlock[" + name + ", " + rows + " x " + width + "]";
  }
}
