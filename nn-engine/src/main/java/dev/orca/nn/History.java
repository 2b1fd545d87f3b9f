package dev.orca.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What {@link Model#fit} measured: per epoch, the mean training loss and each metric. */
public final class History {
  private final List<Map<String, Double>> epochs = new ArrayList<>();

  /** Records one epoch's values (the training loop calls this). */
  public void add(Map<String, Double> values) {
    epochs.add(Collections.unmodifiableMap(new LinkedHashMap<>(values)));
  }

  public int epochs() {
    return epochs.size();
  }

  /** The values of epoch {@code i} (0-based): "loss" and one entry per metric. */
  public Map<String, Double> epoch(int i) {
    return epochs.get(i);
  }

  /** The values of the last epoch. */
  public Map<String, Double> last() {
    return epochs.get(epochs.size() - 1);
  }

  @Override
  public String toString() {
    return epochs.toString();
  }
}
