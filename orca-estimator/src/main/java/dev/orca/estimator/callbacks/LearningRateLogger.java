package dev.orca.estimator.callbacks;

import dev.orca.estimator.Callback;
import dev.orca.estimator.EpochRecord;
import dev.orca.estimator.StepFigures;
import dev.orca.estimator.TrainingContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the learning rate through training: after each epoch (and, if asked, every few steps) it
 * logs the rate of the optimizer's latest step at INFO ({@code
 * dev.orca.estimator.callbacks.LearningRateLogger}) and keeps it, so a program can read the
 * schedule as it ran ({@link #byEpoch()}, {@link #bySteps()}).
 */
public final class LearningRateLogger implements Callback {
  private static final Logger LOG = LoggerFactory.getLogger(LearningRateLogger.class);

  private final int everySteps;
  private final Map<Integer, Double> byEpoch = new LinkedHashMap<>();
  private final List<double[]> bySteps = new ArrayList<>();

  /** Logs the rate after every epoch. */
  public LearningRateLogger() {
    this(0);
  }

  /** Logs the rate after every epoch and every {@code everySteps} steps (0: only epochs). */
  public LearningRateLogger(int everySteps) {
    if (everySteps < 0) {
      throw new dev.orca.OrcaConfigurationException(
          "LearningRateLogger every " + everySteps + " steps: use 0 (epochs only) or more");
    }
    this.everySteps = everySteps;
  }

  @Override
  public int stepInterval() {
    return everySteps;
  }

  @Override
  public synchronized void onTrainBegin(TrainingContext context) {
    byEpoch.clear();
    bySteps.clear();
  }

  @Override
  public synchronized void onSteps(StepFigures f, TrainingContext context) {
    bySteps.add(new double[] {f.iteration(), f.learningRate()});
    LOG.info(
        String.format(
            Locale.ROOT,
            "epoch %d step %d/%d: learning rate %.6g",
            f.epoch() + 1,
            f.step(),
            f.steps(),
            f.learningRate()));
  }

  @Override
  public synchronized void onEpochEnd(EpochRecord epoch, TrainingContext context) {
    byEpoch.put(epoch.epoch(), context.learningRate());
    LOG.info(
        String.format(
            Locale.ROOT, "epoch %d: learning rate %.6g", epoch.number(), context.learningRate()));
  }

  /** The rate of each epoch's last step, by epoch index (from 0). */
  public synchronized Map<Integer, Double> byEpoch() {
    return new LinkedHashMap<>(byEpoch);
  }

  /** {@code {optimizer step, rate}} at every reported step. */
  public synchronized List<double[]> bySteps() {
    return new ArrayList<>(bySteps);
  }

  @Override
  public String toString() {
    return "LearningRateLogger(every " + everySteps + " steps)";
  }
}
