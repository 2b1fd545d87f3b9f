package dev.orca.estimator;

import dev.orca.OrcaConfigurationException;
import java.util.Locale;

/** Where the training workers live. */
public enum Backend {
  /** The tasks of one Spark barrier stage: data stays on the executor that holds it. */
  SPARK,
  /** Ray actors (threads of this JVM in Ray's LOCAL mode; Ray nodes on a cluster). */
  RAY;

  /** Parses {@code spark} or {@code ray}, any case. */
  public static Backend parse(String value) {
    String v = value == null ? "" : value.trim().toUpperCase(Locale.ROOT);
    for (Backend b : values()) {
      if (b.name().equals(v)) {
        return b;
      }
    }
    throw new OrcaConfigurationException("Unknown backend '" + value + "': use 'spark' or 'ray'.");
  }
}
