package dev.orca.estimator.internal.worker;

import dev.orca.estimator.EpochRecord;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Epoch records as one line of text, for the task channel from the workers to the driver. */
public final class Messages {
  private Messages() {}

  public static String encode(EpochRecord e) {
    StringBuilder b = new StringBuilder();
    b.append("epoch=").append(e.epoch()).append(" seconds=").append(e.seconds())
        .append(" compute=").append(e.computeSeconds()).append(" samples=").append(e.samples());
    e.train().forEach((k, v) -> b.append(" t.").append(k).append('=').append(v));
    e.validation().forEach((k, v) -> b.append(" v.").append(k).append('=').append(v));
    return b.toString();
  }

  public static EpochRecord decode(String line) {
    Map<String, Double> train = new LinkedHashMap<>();
    Map<String, Double> val = new LinkedHashMap<>();
    int epoch = 0;
    double seconds = 0;
    double compute = 0;
    long samples = 0;
    for (String part : line.trim().split(" ")) {
      int eq = part.indexOf('=');
      String key = part.substring(0, eq);
      String value = part.substring(eq + 1);
      switch (key) {
        case "epoch" -> epoch = Integer.parseInt(value);
        case "seconds" -> seconds = Double.parseDouble(value);
        case "compute" -> compute = Double.parseDouble(value);
        case "samples" -> samples = Long.parseLong(value);
        default -> (key.startsWith("t.") ? train : val).put(key.substring(2), Double.parseDouble(value));
      }
    }
    return new EpochRecord(epoch, train, val, seconds, compute, samples);
  }

  /** A step line: epoch, step, steps, samples so far and the running mean loss on the reporting worker. */
  public static String step(int epoch, int step, int steps, long samples, double loss) {
    return String.format(Locale.ROOT, "%d %d %d %d %s", epoch, step, steps, samples, Double.toString(loss));
  }
}
