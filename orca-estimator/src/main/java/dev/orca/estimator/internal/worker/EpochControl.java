package dev.orca.estimator.internal.worker;

import dev.orca.OrcaConfigurationException;
import dev.orca.estimator.EarlyStopping;
import dev.orca.estimator.EpochRecord;

/**
 * What happens after each epoch, decided in one place for both backends: whether training stops
 * (the last epoch, early stopping, or a stop asked for) and whether a checkpoint is written. On the
 * spark backend every worker runs one with the same figures, so all decide alike; on the ray
 * backend the driver runs it.
 */
public final class EpochControl {
  private final int epochs;
  private final EarlyStopping rule;
  private final TrainJob.Checkpoints checkpoints;
  private double best = Double.NaN;
  private int sinceBest;

  public EpochControl(TrainJob job) {
    this.epochs = job.epochs();
    this.rule = job.schedule().earlyStopping();
    this.checkpoints = job.checkpoints();
  }

  /** What to do after an epoch: stop (with the reason) or go on, and write a checkpoint or not. */
  public record Decision(String stopReason, boolean checkpoint) {
    /** True if training ends early, before its last epoch. */
    public boolean stopsEarly() {
      return stopReason != null;
    }
  }

  /**
   * Records {@code epoch} (0-based) and decides. {@code stopRequested} is true when the driver
   * asked to stop.
   */
  public Decision after(EpochRecord epoch, boolean stopRequested) {
    String stop = earlyStop(epoch);
    if (stop == null && stopRequested) {
      stop = "stopped by the driver";
    }
    boolean last = epoch.epoch() == epochs - 1;
    boolean checkpoint =
        checkpoints.enabled()
            && (last || stop != null || (epoch.epoch() + 1) % checkpoints.every() == 0);
    return new Decision(stop, checkpoint);
  }

  private String earlyStop(EpochRecord epoch) {
    if (rule == null) {
      return null;
    }
    double v = rule.valueIn(epoch);
    if (Double.isNaN(v)) {
      throw new OrcaConfigurationException(
          "early stopping monitors '"
              + rule.monitor()
              + "', which this"
              + " training does not report; it reports "
              + epoch.train().keySet()
              + " and, with validation"
              + " data, the same names with val_ in front");
    }
    boolean better =
        Double.isNaN(best)
            || (rule.lowerIsBetter() ? v < best - rule.minDelta() : v > best + rule.minDelta());
    if (better) {
      best = v;
      sinceBest = 0;
      return null;
    }
    sinceBest++;
    return sinceBest >= rule.patience()
        ? "early stopping: "
            + rule.monitor()
            + " did not improve on "
            + best
            + " for "
            + sinceBest
            + " epochs"
        : null;
  }
}
