package dev.orca.common;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.helpers.MessageFormatter;

/**
 * Warnings that a stranger can trigger at will (connections refused by a listening port) without
 * the flood: of each kind, the first few in a window are logged, the rest only counted, and one
 * line then says "... and K more like it in the last T s" with the last of them. That line comes
 * with the next warning of the kind after the window, or at {@link #flush}.
 */
public final class RepeatedWarnings {
  /** What the listeners use: 5 of a kind a minute. */
  public static final int DEFAULT_FIRST = 5;

  public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(1);

  private final Logger log;
  private final int first;
  private final long windowNanos;
  private final LongSupplier nanoClock;
  private final Map<String, Window> windows = new LinkedHashMap<>();

  /** Logs to {@code log} the first {@value #DEFAULT_FIRST} of a kind a minute. */
  public RepeatedWarnings(Logger log) {
    this(log, DEFAULT_FIRST, DEFAULT_WINDOW, System::nanoTime);
  }

  /** Logs the first {@code first} of a kind in each {@code window}, reading time from the clock. */
  public RepeatedWarnings(Logger log, int first, Duration window, LongSupplier nanoClock) {
    if (first < 1 || window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("first " + first + " / window " + window);
    }
    this.log = log;
    this.first = first;
    this.windowNanos = window.toNanos();
    this.nanoClock = nanoClock;
  }

  /** A warning of {@code kind}, with an SLF4J format and its arguments. */
  public synchronized void warn(String kind, String format, Object... args) {
    long now = nanoClock.getAsLong();
    Window w = windows.get(kind);
    if (w != null && now - w.start >= windowNanos) {
      summarize(w, now);
      w = null;
    }
    if (w == null) {
      w = new Window(now);
      windows.put(kind, w);
    }
    if (w.logged < first) {
      w.logged++;
      log.warn(format, args);
    } else {
      w.suppressed++;
      w.last = MessageFormatter.arrayFormat(format, args).getMessage();
    }
  }

  /** Logs the summary line of every kind with warnings not yet logged. */
  public synchronized void flush() {
    long now = nanoClock.getAsLong();
    for (Window w : windows.values()) {
      summarize(w, now);
    }
  }

  private void summarize(Window w, long now) {
    if (w.suppressed == 0) {
      return;
    }
    long seconds = Math.max(1, (now - w.start + 999_999_999L) / 1_000_000_000L);
    log.warn(
        "... and {} more like it in the last {} s (the last: {})", w.suppressed, seconds, w.last);
    w.suppressed = 0;
    w.last = null;
  }

  private static final class Window {
    final long start;
    int logged;
    long suppressed;
    String last;

    Window(long start) {
      this.start = start;
    }
  }
}
