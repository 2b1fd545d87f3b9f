package dev.orca.collective.internal;

/** Durations as people read them in messages: "30 s", "250 ms". */
final class Durations {
  private Durations() {}

  static String text(long nanos) {
    long millis = nanos / 1_000_000;
    if (millis < 1000) {
      return millis + " ms";
    }
    return millis % 1000 == 0 ? (millis / 1000) + " s" : String.format("%.1f s", millis / 1000.0);
  }
}
