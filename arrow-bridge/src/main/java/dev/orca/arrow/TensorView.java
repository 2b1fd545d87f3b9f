package dev.orca.arrow;

import dev.orca.OrcaDataException;
import dev.orca.nn.Tensor;

/**
 * The one view of Arrow memory as engine tensors: a {@link FloatBlock} (a float column or a
 * fixed-size list of floats, row-major, in the machine's byte order) seen as a {@code (rows,
 * width)} {@link Tensor} over the same memory, without copying. Row ranges and the split over a
 * model's inputs are taken from the tensor ({@link Tensor#rows}, and {@code
 * dev.orca.nn.InputSplit}).
 *
 * <p>The tensor is a view: closing it frees nothing, and it is valid while the shard that holds the
 * block is open.
 */
public final class TensorView {
  private TensorView() {}

  /** The block as a {@code (rows, width)} tensor; the block must have at least one row. */
  public static Tensor of(FloatBlock block) {
    if (block.rows() == 0) {
      throw new OrcaDataException(
          "block '" + block.name() + "' has no rows: there is nothing to view as a tensor");
    }
    return Tensor.wrap(block.byteBuffer(), block.rows(), block.width());
  }
}
