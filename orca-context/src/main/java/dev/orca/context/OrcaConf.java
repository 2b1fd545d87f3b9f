package dev.orca.context;

import dev.orca.launcher.ray.RayOptions;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What an {@link OrcaContext} will run with, resolved from its settings without starting anything:
 * the cluster mode, every Spark setting, and the Ray runtime's options. {@link #describe()} prints
 * it, so a configuration for a cluster can be checked on a laptop.
 */
public final class OrcaConf {
  private final ClusterMode mode;
  private final Map<String, String> sparkConf;
  private final RayOptions ray;
  private final List<String> notes;

  OrcaConf(ClusterMode mode, Map<String, String> sparkConf, RayOptions ray, List<String> notes) {
    this.mode = mode;
    this.sparkConf = Collections.unmodifiableMap(new TreeMap<>(sparkConf));
    this.ray = ray;
    this.notes = List.copyOf(notes);
  }

  public ClusterMode mode() {
    return mode;
  }

  /** Every Spark setting, sorted by name. */
  public Map<String, String> sparkConf() {
    return sparkConf;
  }

  /** One Spark setting, or null. */
  public String spark(String key) {
    return sparkConf.get(key);
  }

  public RayOptions ray() {
    return ray;
  }

  /**
   * Settings that were left out, each with why: e.g. the sizing of a program written for local mode
   * that spark-submit launched (spark-submit sized it). The context logs them as it starts.
   */
  public List<String> notes() {
    return notes;
  }

  /**
   * The equivalent {@code spark-submit} arguments (for the modes that must be launched that way).
   */
  public String sparkSubmitArguments() {
    StringBuilder b = new StringBuilder();
    sparkConf.forEach((k, v) -> b.append(" --conf ").append(k).append('=').append(quote(v)));
    return b.toString().trim();
  }

  /** A readable listing: mode, Spark settings, Ray options. */
  public String describe() {
    StringBuilder b = new StringBuilder();
    b.append("cluster mode: ").append(mode).append('\n');
    b.append("spark:\n");
    sparkConf.forEach(
        (k, v) ->
            b.append("  ")
                .append(k)
                .append(" = ")
                .append(v.length() > 160 ? v.substring(0, 157) + "..." : v)
                .append('\n'));
    b.append("ray:\n  ").append(ray).append('\n');
    notes.forEach(n -> b.append("note: ").append(n).append('\n'));
    return b.toString();
  }

  @Override
  public String toString() {
    return describe();
  }

  private static String quote(String v) {
    return v.matches("[A-Za-z0-9_./:=,@%+\\[\\]-]*") ? v : "'" + v.replace("'", "'\\''") + "'";
  }
}
