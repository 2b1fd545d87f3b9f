package dev.orca.nn;

import dev.orca.OrcaDataException;
import dev.orca.OrcaException;
import dev.orca.nn.internal.NativeMemory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * A row-major block of float32 values in native memory, with a {@link Shape}. MKL reads and writes
 * it in place: nothing is copied on the way to a BLAS call.
 *
 * <p>A tensor either owns its memory ({@link #zeros}, {@link #of}) and frees it on {@link #close()}
 * (idempotent), or is a view: of another tensor ({@link #rows}, {@link #reshape}, {@link #view}) or
 * of memory that the caller owns ({@link #wrap(long, long, int...)}, {@link #wrap(ByteBuffer,
 * int...)}). Closing a view does nothing; a view must not be used after the memory under it is
 * freed.
 *
 * <p>Zero-copy input, for example from an Arrow {@code Float4Vector}: wrap its data buffer's
 * address as a {@code (rows, features)} tensor, then take mini-batches with {@link #rows(int,
 * int)}. Views are cheap objects, but still objects: hot loops create them once and reuse them.
 *
 * <p>Element access through {@link #get(int)} / {@link #set(int, float)} is for tests and set-up;
 * kernels use {@link #data()} at {@link #offset()} with absolute indexing.
 */
public final class Tensor implements AutoCloseable {
  private final Shape shape;
  private final FloatBuffer data;
  private final int offset;
  private final long address;
  private final NativeMemory.Block owned;
  private final NativeMemory.Block under;

  private Tensor(
      Shape shape,
      FloatBuffer data,
      int offset,
      long address,
      NativeMemory.Block owned,
      NativeMemory.Block under) {
    this.shape = shape;
    this.data = data;
    this.offset = offset;
    this.address = address;
    this.owned = owned;
    this.under = under;
  }

  /** A new tensor of zeros in native memory that this tensor owns. */
  public static Tensor zeros(Shape shape) {
    NativeMemory.Block block = NativeMemory.allocate(shape.size());
    return new Tensor(shape, block.buffer(), 0, block.address(), block, block);
  }

  /** A new tensor of zeros with the given dimensions. */
  public static Tensor zeros(int... dims) {
    return zeros(Shape.of(dims));
  }

  /** A new tensor holding a copy of {@code values}, read row-major into {@code dims}. */
  public static Tensor of(float[] values, int... dims) {
    Shape s = Shape.of(dims);
    if (s.size() != values.length) {
      throw new OrcaDataException(
          "shape " + s + " needs " + s.size() + " values, got " + values.length);
    }
    Tensor t = zeros(s);
    t.data.put(0, values, 0, values.length);
    return t;
  }

  /**
   * Views {@code floatCount} floats of native memory at {@code address} (owned and kept alive by
   * the caller) as a tensor of shape {@code dims}, without copying. The product of {@code dims}
   * must equal {@code floatCount}, or be smaller (a leading part is viewed).
   */
  public static Tensor wrap(long address, long floatCount, int... dims) {
    Shape s = Shape.of(dims);
    if (address == 0) {
      throw new OrcaDataException("cannot wrap native address 0: the memory is not allocated");
    }
    if (floatCount > Integer.MAX_VALUE || s.size() > floatCount) {
      throw new OrcaDataException(
          "cannot view "
              + floatCount
              + " floats as shape "
              + s
              + " (needs "
              + s.size()
              + ", at most "
              + Integer.MAX_VALUE
              + " per tensor)");
    }
    return new Tensor(s, NativeMemory.view(address, floatCount), 0, address, null, null);
  }

  /**
   * Views a direct byte buffer (from its position, in native byte order, owned and kept alive by
   * the caller) as a tensor of shape {@code dims}, without copying.
   */
  public static Tensor wrap(ByteBuffer direct, int... dims) {
    long address = NativeMemory.address(direct);
    return wrap(address, direct.remaining() / 4, dims);
  }

  /** Views a direct native-order float buffer (from its position) without copying. */
  public static Tensor wrap(FloatBuffer direct, int... dims) {
    if (direct.order() != ByteOrder.nativeOrder()) {
      throw new OrcaDataException(
          "a "
              + direct.order()
              + " float buffer cannot be handed to MKL:"
              + " use a buffer in native order ("
              + ByteOrder.nativeOrder()
              + ")");
    }
    return wrap(NativeMemory.address(direct), direct.remaining(), dims);
  }

  public Shape shape() {
    return shape;
  }

  public int size() {
    return shape.size();
  }

  public int rank() {
    return shape.rank();
  }

  /** Dimension {@code i}; negative counts from the end. */
  public int dim(int i) {
    return shape.dim(i);
  }

  /**
   * The buffer this tensor lies in; element {@code i} is at absolute index {@code offset() + i}.
   */
  public FloatBuffer data() {
    return data;
  }

  /** Where element 0 of this tensor lies in {@link #data()}. */
  public int offset() {
    return offset;
  }

  /** The native address of element 0. */
  public long address() {
    return address;
  }

  /** A new native-order buffer over exactly this tensor's elements (position 0, limit size). */
  public FloatBuffer asFloatBuffer() {
    checkOpen();
    return data.slice(offset, size());
  }

  /** Rows {@code [from, to)} along the first dimension, as a view. */
  public Tensor rows(int from, int to) {
    if (rank() == 0 || from < 0 || to > dim(0) || from > to) {
      throw new OrcaDataException("rows [" + from + ", " + to + ") are outside tensor " + shape);
    }
    int rowSize = dim(0) == 0 ? 0 : size() / dim(0);
    return view(from * rowSize, shape.with(0, to - from));
  }

  /** The same elements with other dimensions, as a view. */
  public Tensor reshape(int... dims) {
    Shape s = Shape.of(dims);
    if (s.size() != size()) {
      throw new OrcaDataException("cannot reshape " + shape + " (" + size() + " values) to " + s);
    }
    return view(0, s);
  }

  /** A view of {@code shape.size()} elements starting at element {@code start} of this tensor. */
  public Tensor view(int start, Shape shape) {
    if (start < 0 || (long) start + shape.size() > size()) {
      throw new OrcaDataException(
          "a view of shape " + shape + " at " + start + " does not fit in tensor " + this.shape);
    }
    return new Tensor(shape, data, offset + start, address + 4L * start, null, under);
  }

  public float get(int i) {
    checkIndex(i);
    return data.get(offset + i);
  }

  public void set(int i, float value) {
    checkIndex(i);
    data.put(offset + i, value);
  }

  /** All elements, row-major, in a new array. */
  public float[] toArray() {
    checkOpen();
    float[] out = new float[size()];
    data.get(offset, out, 0, out.length);
    return out;
  }

  /** Copies {@code values} (exactly {@link #size()} of them) into this tensor. */
  public Tensor copyFrom(float[] values) {
    checkOpen();
    if (values.length != size()) {
      throw new OrcaDataException(
          "tensor " + shape + " holds " + size() + " values, got " + values.length);
    }
    data.put(offset, values, 0, values.length);
    return this;
  }

  /** Copies all elements of {@code other} (of the same size) into this tensor. */
  public Tensor copyFrom(Tensor other) {
    checkOpen();
    if (other.size() != size()) {
      throw new OrcaDataException("cannot copy tensor " + other.shape + " into " + shape);
    }
    data.put(offset, other.data, other.offset, size());
    return this;
  }

  public Tensor fill(float value) {
    checkOpen();
    for (int i = 0, n = size(); i < n; i++) {
      data.put(offset + i, value);
    }
    return this;
  }

  /** Whether this tensor frees memory on {@link #close()} (false for views and wrapped memory). */
  public boolean ownsMemory() {
    return owned != null;
  }

  /** False once the memory under this tensor (its own or its owner's) has been freed. */
  public boolean isOpen() {
    return under == null || under.isOpen();
  }

  /** Frees the memory this tensor owns; a no-op for views and when already closed. */
  @Override
  public void close() {
    if (owned != null) {
      owned.close();
    }
  }

  private void checkOpen() {
    if (!isOpen()) {
      throw new OrcaException(
          "tensor " + shape + " was used after its memory was freed by close()");
    }
  }

  private void checkIndex(int i) {
    checkOpen();
    if (i < 0 || i >= size()) {
      throw new OrcaDataException("index " + i + " is outside tensor " + shape);
    }
  }

  @Override
  public String toString() {
    if (!isOpen()) {
      return "Tensor" + shape + " (closed)";
    }
    float[] head = new float[Math.min(size(), 8)];
    data.get(offset, head, 0, head.length);
    String values = Arrays.toString(head);
    return "Tensor" + shape + " " + (size() > 8 ? values.replace("]", ", ...]") : values);
  }
}
