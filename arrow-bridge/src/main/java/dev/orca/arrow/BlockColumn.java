package dev.orca.arrow;

import java.io.Serializable;

/**
 * Where one source column lies inside a {@link FloatBlock}: columns {@code offset} to {@code offset
 * + width - 1} of every row. A scalar column has width 1, an array column the length of its arrays.
 * Models with several inputs (say a user id and an item id) read their input as such a column range
 * of one feature block.
 */
public record BlockColumn(String name, int offset, int width) implements Serializable {
  public BlockColumn {
    if (offset < 0 || width < 1) {
      throw new IllegalArgumentException(
          "block column '" + name + "': offset " + offset + ", width " + width);
    }
  }

  /** The first column after this one. */
  public int end() {
    return offset + width;
  }
}
