package dev.orca.launcher.ray;

import dev.orca.OrcaConfigurationException;
import java.util.Arrays;
import java.util.Locale;

/** Where the Ray runtime of an Orca application comes from. */
public enum RayMode {
  /**
   * Ray's LOCAL run mode in this JVM: actors are threads, nothing to install. The embedded default.
   */
  LOCAL,
  /** Ray nodes started inside the Spark executors under barrier scheduling (RayOnSpark). */
  ON_SPARK,
  /** A Ray cluster that is already running, reached by its address. */
  EXISTING;

  /** Parses {@code local}, {@code on-spark}/{@code on_spark} or {@code existing}, any case. */
  public static RayMode parse(String value) {
    String v = value == null ? "" : value.trim().toUpperCase(Locale.ROOT).replace('-', '_');
    for (RayMode mode : values()) {
      if (mode.name().equals(v)) {
        return mode;
      }
    }
    throw new OrcaConfigurationException(
        "Unknown Ray runtime '"
            + value
            + "' (setting orca.ray.mode)."
            + " Use one of "
            + Arrays.toString(values()).toLowerCase(Locale.ROOT).replace('_', '-')
            + ".");
  }
}
