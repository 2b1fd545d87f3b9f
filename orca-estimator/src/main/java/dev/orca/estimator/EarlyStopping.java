package dev.orca.estimator;

import dev.orca.OrcaConfigurationException;
import java.io.Serializable;
import java.util.Locale;

/**
 * Stops training when a monitored value ({@code "val_loss"}, {@code "val_accuracy"}, {@code
 * "loss"}, ...) has not improved by more than {@code minDelta} for {@code patience} epochs. Losses
 * and errors improve downwards, everything else upwards. A {@link Callback}: give it to {@link
 * FitConfig.Builder#optEarlyStopping} or among {@link FitConfig.Builder#optCallbacks}; its best
 * value and the epochs since carry over to a resumed fit.
 */
public final class EarlyStopping implements Callback, Serializable {
  private static final long serialVersionUID = 2L;

  private final String monitor;
  private final int patience;
  private final double minDelta;
  private double best = Double.NaN;
  private int sinceBest;

  public EarlyStopping(String monitor, int patience, double minDelta) {
    if (monitor == null || monitor.isBlank()) {
      throw new OrcaConfigurationException(
          "early stopping needs a value to monitor, e.g. val_loss");
    }
    if (patience < 1) {
      throw new OrcaConfigurationException(
          "early stopping patience must be at least 1 epoch, got " + patience);
    }
    if (minDelta < 0) {
      throw new OrcaConfigurationException("early stopping minDelta must be >= 0, got " + minDelta);
    }
    this.monitor = monitor;
    this.patience = patience;
    this.minDelta = minDelta;
  }

  public static EarlyStopping of(String monitor, int patience) {
    return new EarlyStopping(monitor, patience, 0);
  }

  public String monitor() {
    return monitor;
  }

  public int patience() {
    return patience;
  }

  public double minDelta() {
    return minDelta;
  }

  /** True if smaller values are better for the monitored value. */
  public boolean lowerIsBetter() {
    return lowerIsBetter(monitor);
  }

  /** True if smaller values of {@code name} ({@code loss}, {@code val_mse}, ...) are better. */
  public static boolean lowerIsBetter(String name) {
    String m = name.startsWith("val_") ? name.substring(4) : name;
    return m.equals("loss") || m.equals("mse") || m.equals("mae") || m.equals("rmse");
  }

  /** The value of {@link #monitor} in an epoch, or NaN if the epoch has none. */
  public double valueIn(EpochRecord epoch) {
    return valueOf(monitor, epoch);
  }

  /** The value of {@code name} ({@code loss}, {@code val_accuracy}, ...) in an epoch, or NaN. */
  public static double valueOf(String name, EpochRecord epoch) {
    return name.startsWith("val_")
        ? epoch.validationValue(name.substring(4))
        : epoch.trainValue(name);
  }

  /** The best value seen so far in this fit (NaN before the first epoch). */
  public synchronized double best() {
    return best;
  }

  @Override
  public synchronized void onTrainBegin(TrainingContext context) {
    best = Double.NaN;
    sinceBest = 0;
  }

  @Override
  public synchronized void onEpochEnd(EpochRecord epoch, TrainingContext context) {
    double v = valueIn(epoch);
    if (Double.isNaN(v)) {
      throw new OrcaConfigurationException(
          "early stopping monitors '"
              + monitor
              + "', which this training does not report; it reports "
              + epoch.train().keySet()
              + " and, with validation data, the same names with val_ in front");
    }
    boolean better =
        Double.isNaN(best) || (lowerIsBetter() ? v < best - minDelta : v > best + minDelta);
    if (better) {
      best = v;
      sinceBest = 0;
      return;
    }
    sinceBest++;
    if (sinceBest >= patience) {
      context.requestStop(
          "early stopping: "
              + monitor
              + " did not improve on "
              + best
              + " for "
              + sinceBest
              + " epochs");
    }
  }

  @Override
  public synchronized String saveState() {
    return Double.doubleToLongBits(best) + " " + sinceBest;
  }

  @Override
  public synchronized void restoreState(String state) {
    String[] p = state.trim().split(" ");
    best = Double.longBitsToDouble(Long.parseLong(p[0]));
    sinceBest = Integer.parseInt(p[1]);
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT, "EarlyStopping(%s, patience %d, minDelta %s)", monitor, patience, minDelta);
  }
}
