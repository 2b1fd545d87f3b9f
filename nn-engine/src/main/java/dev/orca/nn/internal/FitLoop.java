package dev.orca.nn.internal;

import dev.orca.OrcaConfigurationException;
import dev.orca.OrcaDataException;
import dev.orca.nn.History;
import dev.orca.nn.Tensor;
import dev.orca.nn.TrainingStep;
import dev.orca.nn.metrics.MetricSums;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The epochs of {@code Model.fit} on one model: shuffled mini-batches gathered into buffers reused
 * across steps, each trained by the model's {@link TrainingStep}.
 */
public final class FitLoop implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FitLoop.class);
  private final TrainingStep step;
  private final long seed;
  private final List<Tensor> owned = new ArrayList<>();
  private Tensor[] gatherX;
  private Tensor gatherY;
  private Tensor[] viewX;
  private Tensor viewY;

  public FitLoop(TrainingStep step, long seed) {
    this.step = step;
    this.seed = seed;
  }

  /** {@code epochs} passes over the data in mini-batches, shuffled with the model's seed. */
  public History fit(Tensor[] xs, Tensor y, int batchSize, int epochs) {
    int rows = checkData(xs, y, batchSize);
    if (epochs < 1) {
      throw new OrcaConfigurationException("epochs must be at least 1, got " + epochs);
    }
    int batch = Math.min(batchSize, rows);
    prepareGather(xs, y, batch);
    int[] order = new int[rows];
    History history = new History();
    try {
      for (int epoch = 0; epoch < epochs; epoch++) {
        shuffle(order, new SplittableRandom(Hash.mix(seed + epoch)));
        MetricSums sums = step.newSums();
        long t0 = System.nanoTime();
        for (int start = 0; start < rows; start += batch) {
          int b = Math.min(batch, rows - start);
          gather(xs, y, order, start, b);
          step.setPosition(epoch, start / batch);
          step.run(viewX, viewY, 1f, null, sums);
        }
        history.add(sums.values());
        LOG.debug(
            "epoch {}/{}: {} ({} ms)",
            epoch + 1,
            epochs,
            history.last(),
            (System.nanoTime() - t0) / 1_000_000);
      }
    } finally {
      step.setPosition(-1, 0); // single steps outside fit name the optimizer's step again
    }
    return history;
  }

  /** Checks that features and labels have the same rows and there are some; returns the rows. */
  public static int checkData(Tensor[] xs, Tensor y, int batchSize) {
    if (batchSize < 1) {
      throw new OrcaConfigurationException("batchSize must be at least 1, got " + batchSize);
    }
    int rows = y.dim(0);
    for (Tensor x : xs) {
      if (x.dim(0) != rows) {
        throw new OrcaDataException(
            "features have "
                + x.dim(0)
                + " rows but labels have "
                + rows
                + ": give one label per row");
      }
    }
    if (rows == 0) {
      throw new OrcaDataException("there is no data: the feature tensors have 0 rows");
    }
    return rows;
  }

  private static void shuffle(int[] order, SplittableRandom random) {
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    for (int i = order.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
  }

  private void prepareGather(Tensor[] xs, Tensor y, int batch) {
    if (gatherX != null
        && gatherX.length == xs.length
        && gatherY.dim(0) >= batch
        && gatherY.shape().dropFirst().equals(y.shape().dropFirst())
        && sameSamples(xs)) {
      return;
    }
    closeOwned();
    gatherX = new Tensor[xs.length];
    viewX = new Tensor[xs.length];
    for (int k = 0; k < xs.length; k++) {
      gatherX[k] = own(Tensor.zeros(xs[k].shape().with(0, batch)));
    }
    gatherY = own(Tensor.zeros(y.shape().with(0, batch)));
  }

  private boolean sameSamples(Tensor[] xs) {
    for (int k = 0; k < xs.length; k++) {
      if (!gatherX[k].shape().dropFirst().equals(xs[k].shape().dropFirst())) {
        return false;
      }
    }
    return true;
  }

  private Tensor own(Tensor t) {
    owned.add(t);
    return t;
  }

  /**
   * Copies rows {@code order[start..start+b)} into the gather buffers and points the views at them.
   */
  private void gather(Tensor[] xs, Tensor y, int[] order, int start, int b) {
    for (int k = 0; k < xs.length; k++) {
      viewX[k] = copyRows(xs[k], gatherX[k], viewX[k], order, start, b);
    }
    viewY = copyRows(y, gatherY, viewY, order, start, b);
  }

  private static Tensor copyRows(
      Tensor src, Tensor dst, Tensor view, int[] order, int start, int b) {
    int width = src.size() / src.dim(0);
    for (int r = 0; r < b; r++) {
      dst.data()
          .put(
              dst.offset() + r * width, src.data(), src.offset() + order[start + r] * width, width);
    }
    return view != null && view.dim(0) == b ? view : dst.rows(0, b);
  }

  private void closeOwned() {
    for (Tensor t : owned) {
      t.close();
    }
    owned.clear();
  }

  /** Frees the gather buffers; idempotent. */
  @Override
  public void close() {
    closeOwned();
  }
}
