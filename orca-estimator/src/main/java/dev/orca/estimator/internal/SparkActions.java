package dev.orca.estimator.internal;

import dev.orca.OrcaException;
import java.util.function.Supplier;

/**
 * Runs a Spark action of the driver side so that an Orca error thrown in a task (a value the
 * conversion refuses, a shard of the wrong width) reaches the caller as itself: its message names
 * the column or shard, and Spark's job failure around it adds only noise.
 */
public final class SparkActions {
  private SparkActions() {}

  public static <T> T run(Supplier<T> action) {
    try {
      return action.get();
    } catch (Exception e) { // Spark's SparkException is checked, though Scala throws it undeclared
      for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
        if (t instanceof OrcaException orca) {
          throw orca;
        }
      }
      throw e;
    }
  }
}
