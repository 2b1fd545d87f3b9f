package dev.orca.nn;

import dev.orca.OrcaDataException;
import java.io.Serializable;
import java.util.Arrays;

/**
 * The dimensions of a tensor, outermost first (row-major). Immutable. Layer and model shapes are
 * per sample, without the batch dimension; {@link #withBatch(int)} adds it.
 */
public final class Shape implements Serializable {
  private static final long serialVersionUID = 1L;
  private final int[] dims;
  private final int size;

  private Shape(int[] dims) {
    long n = 1;
    for (int d : dims) {
      if (d < 0) {
        throw new OrcaDataException(
            "a shape cannot have a negative dimension: " + Arrays.toString(dims));
      }
      n *= d;
    }
    if (n > Integer.MAX_VALUE) {
      throw new OrcaDataException(
          "shape "
              + Arrays.toString(dims)
              + " has "
              + n
              + " elements; a tensor holds at most "
              + Integer.MAX_VALUE
              + ": split it into batches");
    }
    this.dims = dims;
    this.size = (int) n;
  }

  /**
   * A shape read from a stream (a model file's architecture) is checked as a built one: its size
   * must follow from its dimensions, since buffers are sized by one and indexed by the other.
   */
  private Object readResolve() {
    if (dims == null) {
      throw new OrcaDataException("a shape was read without its dimensions");
    }
    Shape checked = new Shape(dims.clone());
    if (checked.size != size) {
      throw new OrcaDataException(
          "shape " + checked + " was read with size " + size + " instead of " + checked.size);
    }
    return checked;
  }

  /** A shape with the given dimensions, outermost first. */
  public static Shape of(int... dims) {
    return new Shape(dims.clone());
  }

  public int rank() {
    return dims.length;
  }

  /** Dimension {@code i}; negative {@code i} counts from the end ({@code -1} is the last). */
  public int dim(int i) {
    return dims[i < 0 ? dims.length + i : i];
  }

  /** The number of elements. */
  public int size() {
    return size;
  }

  public int[] dims() {
    return dims.clone();
  }

  /** This shape with a leading batch dimension of {@code batch}. */
  public Shape withBatch(int batch) {
    int[] d = new int[dims.length + 1];
    d[0] = batch;
    System.arraycopy(dims, 0, d, 1, dims.length);
    return new Shape(d);
  }

  /** This shape without its first dimension (from a batch shape to the per-sample shape). */
  public Shape dropFirst() {
    if (dims.length == 0) {
      throw new OrcaDataException("a scalar shape has no first dimension to drop");
    }
    return new Shape(Arrays.copyOfRange(dims, 1, dims.length));
  }

  /** This shape without its last dimension. */
  public Shape dropLast() {
    if (dims.length == 0) {
      throw new OrcaDataException("a scalar shape has no last dimension to drop");
    }
    return new Shape(Arrays.copyOf(dims, dims.length - 1));
  }

  /** This shape with dimension {@code i} replaced by {@code value}. */
  public Shape with(int i, int value) {
    int[] d = dims.clone();
    d[i < 0 ? d.length + i : i] = value;
    return new Shape(d);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Shape && Arrays.equals(dims, ((Shape) o).dims);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(dims);
  }

  /** Like Keras: {@code (28, 28, 1)}. */
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("(");
    for (int i = 0; i < dims.length; i++) {
      b.append(i > 0 ? ", " : "").append(dims[i]);
    }
    return b.append(dims.length == 1 ? ",)" : ")").toString();
  }
}
