package dev.orca.data.internal;

import dev.orca.OrcaException;
import java.util.function.Supplier;

/**
 * Runs a Spark action so that Orca's own errors from the tasks (a NaN in a feature column, arrays
 * of unequal length) reach the caller as themselves, not buried in Spark's job failure.
 */
public final class SparkJobs {
  private SparkJobs() {}

  public static <T> T run(Supplier<T> action) {
    try {
      return action.get();
    } catch (OrcaException e) {
      throw e;
    } catch (Exception e) { // Spark's SparkException is checked, though Scala throws it undeclared
      for (Throwable t = e.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
        if (t instanceof OrcaException orca) {
          throw orca; // its message already names the column or file; Spark's wrapper adds only
          // noise
        }
      }
      throw e instanceof RuntimeException re
          ? re
          : new OrcaException("Spark job failed: " + e.getMessage(), e);
    }
  }
}
