package dev.orca.estimator.callbacks;

import dev.orca.OrcaConfigurationException;
import dev.orca.estimator.Callback;
import dev.orca.estimator.EpochRecord;
import dev.orca.estimator.StepFigures;
import dev.orca.estimator.TrainingContext;
import dev.orca.estimator.TrainingHistory;
import dev.orca.estimator.tensorboard.EventFileWriter;
import dev.orca.estimator.tensorboard.Histograms;
import dev.orca.nn.Model;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Objects;

/**
 * Writes training's figures as TensorBoard event files, {@code logDir/train} and {@code
 * logDir/validation} (any Hadoop FileSystem path), in the layout TensorBoard's Keras callback uses,
 * so that the training and validation curves of a figure share a chart:
 *
 * <ul>
 *   <li>per epoch (x = the epoch's number, from 1): {@code epoch_loss}, {@code epoch_<metric>},
 *       {@code epoch_learning_rate} and {@code epoch_samples_per_second} in {@code train}, {@code
 *       epoch_loss} and {@code epoch_<metric>} of the validation data in {@code validation};
 *   <li>every {@code n} steps (x = the optimizer's step): {@code batch_loss}, {@code
 *       batch_<metric>} (the epoch's running values on the first worker), {@code
 *       batch_learning_rate}, {@code batch_samples_per_second} in {@code train};
 *   <li>if asked, per epoch, a histogram of each parameter ({@code dense_1/kernel}, ...) in {@code
 *       train}.
 * </ul>
 *
 * Open them with {@code tensorboard --logdir <logDir>}. A resumed fit adds new files to the same
 * folders, continuing the epochs and steps.
 */
public final class TensorBoard implements Callback {
  private final String logDir;
  private final int everySteps;
  private final boolean histograms;
  private EventFileWriter train;
  private EventFileWriter validation;

  private TensorBoard(Builder b) {
    this.logDir = b.logDir;
    this.everySteps = b.everySteps;
    this.histograms = b.histograms;
  }

  /** Logs into {@code logDir}: every epoch, every 10 steps, no histograms. */
  public static Builder builder(String logDir) {
    return new Builder(logDir);
  }

  /** The run folders' parent. */
  public String logDir() {
    return logDir;
  }

  @Override
  public int stepInterval() {
    return everySteps;
  }

  @Override
  public synchronized void onTrainBegin(TrainingContext context) {
    closeWriters();
    train = EventFileWriter.create(logDir + "/train");
    validation = EventFileWriter.create(logDir + "/validation");
  }

  @Override
  public synchronized void onSteps(StepFigures f, TrainingContext context) {
    long step = f.iteration();
    train.scalar("batch_loss", step, f.loss());
    f.metrics().forEach((k, v) -> train.scalar("batch_" + k, step, v));
    train.scalar("batch_learning_rate", step, f.learningRate());
    train.scalar("batch_samples_per_second", step, f.samplesPerSecond());
  }

  @Override
  public synchronized void onEpochEnd(EpochRecord e, TrainingContext context) {
    long step = e.number();
    scalars(train, e.train(), step);
    train.scalar("epoch_learning_rate", step, context.learningRate());
    train.scalar("epoch_samples_per_second", step, e.samplesPerSecond());
    if (!e.validation().isEmpty()) {
      scalars(validation, e.validation(), step);
    }
    if (histograms) {
      Model model = context.model();
      FloatBuffer params = model.parameters();
      for (Model.ParameterRange r : model.parameterRanges()) {
        train.histogram(
            r.name(),
            step,
            Histograms.of(params, r.offset(), r.size(), Histograms.DEFAULT_BUCKETS));
      }
    }
    train.flush();
    validation.flush();
  }

  private static void scalars(EventFileWriter w, Map<String, Double> values, long step) {
    values.forEach((k, v) -> w.scalar("epoch_" + k, step, v));
  }

  @Override
  public synchronized void onTrainEnd(TrainingHistory history, TrainingContext context) {
    closeWriters();
  }

  @Override
  public synchronized void onTrainFailed(RuntimeException error, TrainingContext context) {
    closeWriters();
  }

  private void closeWriters() {
    try {
      if (train != null) {
        train.close();
      }
    } finally {
      train = null;
      if (validation != null) {
        validation.close();
      }
      validation = null;
    }
  }

  @Override
  public String toString() {
    return "TensorBoard(" + logDir + ")";
  }

  /** Builds a {@link TensorBoard} callback. */
  public static final class Builder {
    private final String logDir;
    private int everySteps = 10;
    private boolean histograms;

    private Builder(String logDir) {
      this.logDir = Objects.requireNonNull(logDir, "logDir");
    }

    /** Step figures every {@code n} steps; 0 writes epochs only. */
    public Builder optEverySteps(int n) {
      this.everySteps = n;
      return this;
    }

    /** Also a histogram of each parameter after every epoch. */
    public Builder optHistograms(boolean on) {
      this.histograms = on;
      return this;
    }

    public TensorBoard build() {
      if (everySteps < 0) {
        throw new OrcaConfigurationException(
            "TensorBoard every " + everySteps + " steps: use 0 (epochs only) or more");
      }
      return new TensorBoard(this);
    }
  }
}
