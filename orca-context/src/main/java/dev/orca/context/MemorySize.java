package dev.orca.context;

import dev.orca.OrcaConfigurationException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A memory size written as Spark writes them: {@code 512m}, {@code 2g}, {@code 1.5g}, {@code
 * 4096k}.
 */
public final class MemorySize {
  private static final Pattern FORMAT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt])i?b?");

  private MemorySize() {}

  /**
   * Parses {@code value} into bytes.
   *
   * @param setting the setting the value came from, named in the error
   */
  public static long parseBytes(String value, String setting) {
    Matcher m = value == null ? null : FORMAT.matcher(value.trim().toLowerCase(Locale.ROOT));
    if (m == null || !m.matches()) {
      throw new OrcaConfigurationException(
          setting
              + "="
              + value
              + " is not a memory size: write a"
              + " number with a unit, such as 512m, 2g or 1.5g (k, m, g, t).");
    }
    double number = Double.parseDouble(m.group(1));
    int shift =
        switch (m.group(2)) {
          case "k" -> 10;
          case "m" -> 20;
          case "g" -> 30;
          default -> 40;
        };
    long bytes = (long) (number * (1L << shift));
    if (bytes <= 0) {
      throw new OrcaConfigurationException(
          setting + "=" + value + " is not a positive memory size.");
    }
    return bytes;
  }

  /** Whole mebibytes, as Spark's {@code ...memory} settings take them without a unit. */
  public static long toMebibytes(long bytes) {
    return (bytes + (1L << 20) - 1) >> 20;
  }

  /** Spark's own spelling: {@code 1536m}. */
  public static String toSparkString(long bytes) {
    return toMebibytes(bytes) + "m";
  }
}
