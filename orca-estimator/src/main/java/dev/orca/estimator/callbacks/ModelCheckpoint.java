package dev.orca.estimator.callbacks;

import dev.orca.OrcaConfigurationException;
import dev.orca.estimator.Callback;
import dev.orca.estimator.EarlyStopping;
import dev.orca.estimator.EpochRecord;
import dev.orca.estimator.TrainingContext;
import dev.orca.estimator.internal.worker.CheckpointStore;
import java.util.Locale;
import java.util.Objects;

/**
 * Writes the model (weights, state, optimizer) to a folder of any Hadoop FileSystem as training
 * goes: the last {@code k} epochs' checkpoints ({@code epoch-00012.orca}, every {@code n} epochs
 * and after the last or stopping one), and/or the best epoch by a monitored value ({@code
 * best.orca}). Beside each goes the training state ({@code .state}), so that a later fit can resume
 * from the folder ({@link dev.orca.estimator.FitConfig.Builder#optResumeFrom}); a folder of this
 * callback is also where a fit recovers from after losing a worker, when it is the one given to
 * {@link dev.orca.estimator.FitConfig.Builder#optCheckpoints}.
 *
 * <pre>{@code
 * ModelCheckpoint.builder("hdfs:///ckpt/digits").optKeepLast(2).optBest("val_accuracy").build()
 * }</pre>
 *
 * Runs after the other callbacks of each epoch, so that their state (early stopping's count) is the
 * one written.
 */
public final class ModelCheckpoint implements Callback {
  private final CheckpointStore store;
  private final int every;
  private final int keepLast;
  private final String monitor;
  private double best = Double.NaN;

  private ModelCheckpoint(Builder b) {
    this.store = new CheckpointStore(b.dir);
    this.every = b.every;
    this.keepLast = b.keepLast;
    this.monitor = b.monitor;
  }

  /** Checkpoints into {@code dir}: by default every epoch, the last 3 kept, no best model. */
  public static Builder builder(String dir) {
    return new Builder(dir);
  }

  /** The folder. */
  public String dir() {
    return store.dir();
  }

  /** True if it keeps epoch checkpoints (a fit can recover from them after losing a worker). */
  public boolean keepsEpochs() {
    return keepLast > 0;
  }

  /** Fails before training if the folder cannot be written. */
  public void checkWritable() {
    store.checkWritable();
  }

  @Override
  public synchronized void onTrainBegin(TrainingContext context) {
    best = Double.NaN;
  }

  @Override
  public synchronized void onEpochEnd(EpochRecord epoch, TrainingContext context) {
    if (monitor != null) {
      double v = EarlyStopping.valueOf(monitor, epoch);
      if (Double.isNaN(v)) {
        throw new OrcaConfigurationException(
            "ModelCheckpoint keeps the best model by '"
                + monitor
                + "', which this training does not report; it reports "
                + epoch.train().keySet()
                + " and, with validation data, the same names with val_ in front");
      }
      boolean better =
          Double.isNaN(best) || (EarlyStopping.lowerIsBetter(monitor) ? v < best : v > best);
      if (better) {
        best = v;
        store.writeBest(context.modelFile(), context.trainingState());
      }
    }
    boolean due =
        (epoch.epoch() + 1) % every == 0
            || epoch.epoch() == context.epochs() - 1
            || context.stopRequested();
    if (keepLast > 0 && due) {
      store.write(epoch.epoch(), context.modelFile(), context.trainingState(), keepLast);
    }
  }

  @Override
  public synchronized String saveState() {
    return Long.toString(Double.doubleToLongBits(best));
  }

  @Override
  public synchronized void restoreState(String state) {
    best = Double.longBitsToDouble(Long.parseLong(state.trim()));
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "ModelCheckpoint(%s, every %d, last %d%s)",
        store.dir(),
        every,
        keepLast,
        monitor == null ? "" : ", best by " + monitor);
  }

  /** Builds a {@link ModelCheckpoint}. */
  public static final class Builder {
    private final String dir;
    private int every = 1;
    private int keepLast = 3;
    private String monitor;

    private Builder(String dir) {
      this.dir = Objects.requireNonNull(dir, "dir");
    }

    /** A checkpoint every {@code epochs} epochs (and after the last, or when training stops). */
    public Builder optEvery(int epochs) {
      this.every = epochs;
      return this;
    }

    /** Keep the newest {@code k} epoch checkpoints; 0 keeps none (only the best, if asked). */
    public Builder optKeepLast(int k) {
      this.keepLast = k;
      return this;
    }

    /**
     * Also keep the best epoch by {@code monitor} ({@code val_loss}, {@code val_accuracy}, ...;
     * losses and errors lower, the rest higher) as {@code best.orca}.
     */
    public Builder optBest(String monitor) {
      this.monitor = Objects.requireNonNull(monitor, "monitor");
      return this;
    }

    public ModelCheckpoint build() {
      if (every < 1) {
        throw new OrcaConfigurationException(
            "ModelCheckpoint every " + every + " epochs: use 1 or more");
      }
      if (keepLast < 0 || (keepLast == 0 && monitor == null)) {
        throw new OrcaConfigurationException(
            "ModelCheckpoint keeps the last "
                + keepLast
                + " checkpoints"
                + (monitor == null ? " and no best model" : "")
                + ": keep 1 or more, or the best by a monitored value (optBest)");
      }
      return new ModelCheckpoint(this);
    }
  }
}
