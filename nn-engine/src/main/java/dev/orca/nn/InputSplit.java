package dev.orca.nn;

import dev.orca.OrcaDataException;
import java.nio.FloatBuffer;

/**
 * How rows of concatenated feature values divide among a model's inputs: input 0 takes the first
 * {@code shape[0].size()} values of a row, input 1 the next ones, and so on. The one place where a
 * feature block ({@code rows x width}, row-major) is split over a model's inputs, both for
 * consecutive rows ({@link #rows}) and for rows gathered one by one into a batch ({@link #put},
 * {@link #gathered}).
 *
 * <p>With one input, consecutive rows are a view of the block (no copy); with several, they are
 * copied into buffers this object owns and reuses. Close it to free them.
 */
public final class InputSplit implements AutoCloseable {
  private final Shape[] shapes;
  private final int[] widths;
  private final int width;
  private Tensor[] buffers = new Tensor[0];
  private int capacity;

  public InputSplit(Shape[] inputShapes) {
    this.shapes = inputShapes.clone();
    this.widths = new int[shapes.length];
    int w = 0;
    for (int k = 0; k < shapes.length; k++) {
      widths[k] = shapes[k].size();
      w += widths[k];
    }
    this.width = w;
  }

  /** The split of {@code model}'s inputs. */
  public static InputSplit of(Model model) {
    return new InputSplit(model.inputShapes());
  }

  /** Feature values per row: the sum of the inputs' sizes. */
  public int width() {
    return width;
  }

  /**
   * The inputs for rows {@code [from, from + count)} of {@code features} ({@code rows x width}): a
   * view for a model with one input, copies (valid until the next call) for several.
   */
  public Tensor[] rows(Tensor features, int from, int count) {
    checkWidth(features);
    Tensor[] x = new Tensor[shapes.length];
    if (shapes.length == 1) {
      x[0] = features.rows(from, from + count).reshape(dims(count, shapes[0]));
      return x;
    }
    ensure(count);
    for (int r = 0; r < count; r++) {
      put(r, features, from + r);
    }
    return gathered(count);
  }

  /** {@link #rows} over one feature block, as the evaluation loop takes it. */
  public BatchInputs over(Tensor features) {
    return (from, count) -> rows(features, from, count);
  }

  /** Makes room for {@code rows} gathered rows (keeps earlier ones only if no growth is needed). */
  public void ensure(int rows) {
    if (rows <= capacity) {
      return;
    }
    freeBuffers();
    capacity = rows;
    buffers = new Tensor[shapes.length];
    for (int k = 0; k < shapes.length; k++) {
      buffers[k] = Tensor.zeros(capacity, widths[k]);
    }
  }

  /** Copies row {@code row} of {@code features} into row {@code slot} of the gathered batch. */
  public void put(int slot, Tensor features, int row) {
    FloatBuffer src = features.data();
    int at = features.offset() + row * width;
    for (int k = 0; k < buffers.length; k++) {
      Tensor b = buffers[k];
      b.data().put(b.offset() + slot * widths[k], src, at, widths[k]);
      at += widths[k];
    }
  }

  /** The first {@code count} gathered rows as the model's inputs (views of the buffers). */
  public Tensor[] gathered(int count) {
    Tensor[] x = new Tensor[shapes.length];
    for (int k = 0; k < x.length; k++) {
      x[k] = buffers[k].rows(0, count).reshape(dims(count, shapes[k]));
    }
    return x;
  }

  /**
   * Fails with {@link #widthMismatch} unless rows of {@code dataWidth} feature values are what the
   * model's inputs take together.
   */
  public void checkWidth(int dataWidth, String what) {
    checkWidth(dataWidth, width, what);
  }

  /**
   * Fails with {@link #widthMismatch} unless {@code dataWidth} equals {@code modelWidth}: the one
   * check, before any work, of every entry point that feeds rows to a model.
   */
  public static void checkWidth(int dataWidth, int modelWidth, String what) {
    if (dataWidth != modelWidth) {
      throw widthMismatch(dataWidth, modelWidth, what);
    }
  }

  /**
   * The error for rows of {@code dataWidth} feature values given to a model whose input takes
   * {@code modelWidth}; {@code what} names the data ("training data", "data to predict").
   */
  public static OrcaDataException widthMismatch(int dataWidth, int modelWidth, String what) {
    return new OrcaDataException(
        "The "
            + what
            + " has "
            + dataWidth
            + " feature values per row, but the model's input takes "
            + modelWidth
            + ". Choose the feature columns that make "
            + modelWidth
            + " values, or build the model for "
            + dataWidth
            + ".");
  }

  private void checkWidth(Tensor features) {
    if (features.size() != 0) {
      checkWidth(features.size() / features.dim(0), "data");
    }
  }

  private static int[] dims(int rows, Shape sample) {
    int[] d = new int[sample.rank() + 1];
    d[0] = rows;
    for (int i = 0; i < sample.rank(); i++) {
      d[i + 1] = sample.dim(i);
    }
    return d;
  }

  private void freeBuffers() {
    for (Tensor t : buffers) {
      t.close();
    }
    buffers = new Tensor[0];
    capacity = 0;
  }

  @Override
  public void close() {
    freeBuffers();
  }
}
