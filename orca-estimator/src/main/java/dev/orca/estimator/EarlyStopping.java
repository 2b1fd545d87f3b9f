package dev.orca.estimator;

import dev.orca.OrcaConfigurationException;
import java.io.Serializable;

/**
 * Stops training when a monitored value ({@code "val_loss"}, {@code "val_accuracy"}, {@code
 * "loss"}, ...) has not improved by more than {@code minDelta} for {@code patience} epochs. Losses
 * and errors improve downwards, everything else upwards.
 */
public record EarlyStopping(String monitor, int patience, double minDelta) implements Serializable {
  public EarlyStopping {
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
  }

  public static EarlyStopping of(String monitor, int patience) {
    return new EarlyStopping(monitor, patience, 0);
  }

  /** True if smaller values are better for the monitored value. */
  public boolean lowerIsBetter() {
    String m = monitor.startsWith("val_") ? monitor.substring(4) : monitor;
    return m.equals("loss") || m.equals("mse") || m.equals("mae") || m.equals("rmse");
  }

  /** The value of {@link #monitor} in an epoch, or NaN if the epoch has none. */
  public double valueIn(EpochRecord epoch) {
    return monitor.startsWith("val_")
        ? epoch.validationValue(monitor.substring(4))
        : epoch.trainValue(monitor);
  }
}
