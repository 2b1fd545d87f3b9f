package dev.orca.estimator.internal.worker;

import dev.orca.OrcaConfigurationException;
import dev.orca.estimator.EarlyStopping;
import dev.orca.estimator.EpochRecord;

/** Follows the monitored value over the epochs and says when to stop. */
public final class EarlyStopTracker {
  private final EarlyStopping rule;
  private double best = Double.NaN;
  private int sinceBest;

  public EarlyStopTracker(EarlyStopping rule) {
    this.rule = rule;
  }

  /** Records an epoch; returns the reason to stop, or null to go on. */
  public String update(EpochRecord epoch) {
    if (rule == null) {
      return null;
    }
    double v = rule.valueIn(epoch);
    if (Double.isNaN(v)) {
      throw new OrcaConfigurationException("early stopping monitors '" + rule.monitor() + "', which this"
          + " training does not report; it reports " + epoch.train().keySet() + " and, with validation"
          + " data, the same names with val_ in front");
    }
    boolean better = Double.isNaN(best)
        || (rule.lowerIsBetter() ? v < best - rule.minDelta() : v > best + rule.minDelta());
    if (better) {
      best = v;
      sinceBest = 0;
      return null;
    }
    sinceBest++;
    return sinceBest >= rule.patience()
        ? "early stopping: " + rule.monitor() + " did not improve on " + best + " for " + sinceBest + " epochs"
        : null;
  }
}
