package dev.orca.estimator;

/**
 * A hook into {@link Estimator#fit}: told when training begins and ends, when each epoch begins and
 * ends (with the epoch's figures over all workers), and, if it asks, every few steps with the
 * running figures. It runs on the driver, with the figures the workers send anyway; it can ask
 * training to stop ({@link TrainingContext#requestStop}) and can read the model as it stands after
 * an epoch ({@link TrainingContext#model}).
 *
 * <p>Register callbacks with {@link FitConfig.Builder#optCallbacks}; they are called in that order,
 * one call at a time (never two at once). A callback that throws stops training: the workers are
 * stopped, and {@code fit} fails with a {@link dev.orca.TrainingException} that names the callback,
 * the hook and the error. Built in: {@link EarlyStopping}, and in {@code dev.orca.estimator
 * .callbacks}: {@code ModelCheckpoint}, {@code CsvLogger}, {@code LearningRateLogger}, {@code
 * TensorBoard}.
 *
 * <p>To take part in resuming ({@link FitConfig.Builder#optResumeFrom}), a callback with state
 * returns it from {@link #saveState()}; it is written beside every checkpoint and handed back to
 * {@link #restoreState} of the callback of the same class (and position among those of its class)
 * in the resumed fit, after {@link #onTrainBegin}.
 */
public interface Callback {
  /** Training begins (or resumes, at {@link TrainingContext#firstEpoch()}). */
  default void onTrainBegin(TrainingContext context) {}

  /** Epoch {@code epoch} (its index, from 0) begins. */
  default void onEpochBegin(int epoch, TrainingContext context) {}

  /**
   * Every {@link #stepInterval()} steps of an epoch: the running figures of the epoch so far. Steps
   * are reported by the first worker while training goes on, so a call may come a little after its
   * step.
   */
  default void onSteps(StepFigures figures, TrainingContext context) {}

  /** Every how many steps {@link #onSteps} is called; 0 (the default): never. */
  default int stepInterval() {
    return 0;
  }

  /** An epoch ended: its figures over all workers (training, and validation if given). */
  default void onEpochEnd(EpochRecord epoch, TrainingContext context) {}

  /** Training ended, normally or by a stop; not called when it failed. */
  default void onTrainEnd(TrainingHistory history, TrainingContext context) {}

  /**
   * Training failed (a worker, the data, this or another callback): release what {@link
   * #onTrainBegin} took, e.g. close files. {@code fit} then throws {@code error}.
   */
  default void onTrainFailed(RuntimeException error, TrainingContext context) {}

  /** This callback's state for a resumed fit, or null (the default) if it keeps none. */
  default String saveState() {
    return null;
  }

  /** Takes back what {@link #saveState()} returned when the checkpoint was written. */
  default void restoreState(String state) {}
}
