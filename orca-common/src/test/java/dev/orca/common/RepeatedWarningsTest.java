package dev.orca.common;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.orca.testing.CapturedLog;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Rate-limited warnings, on a clock the test moves by hand. */
class RepeatedWarningsTest {
  private static final String LOGGER = "dev.orca.common.RepeatedWarningsTest";

  private final AtomicLong clock = new AtomicLong(1_000);

  private RepeatedWarnings warnings(int first, Duration window) {
    return new RepeatedWarnings(LoggerFactory.getLogger(LOGGER), first, window, clock::get);
  }

  private void advance(long seconds) {
    clock.addAndGet(TimeUnit.SECONDS.toNanos(seconds));
  }

  @Test
  void theFirstOfAKindAreLoggedAndTheRestSummedUpInOneLine() {
    try (CapturedLog log = new CapturedLog(LOGGER)) {
      RepeatedWarnings w = warnings(3, Duration.ofSeconds(10));
      for (int i = 0; i < 70; i++) {
        w.warn("silent", "refused connection {} from {}", i, "10.0.0." + i);
        advance(0);
      }
      assertEquals(
          List.of(
              "WARN refused connection 0 from 10.0.0.0",
              "WARN refused connection 1 from 10.0.0.1",
              "WARN refused connection 2 from 10.0.0.2"),
          log.lines());
      advance(4);
      w.flush();
      assertEquals(
          "WARN ... and 67 more like it in the last 4 s (the last: refused connection 69 from"
              + " 10.0.0.69)",
          log.lines().get(3));
      w.flush(); // nothing new: no second summary
      assertEquals(4, log.lines().size());
    }
  }

  @Test
  void kindsAreCountedApart() {
    try (CapturedLog log = new CapturedLog(LOGGER)) {
      RepeatedWarnings w = warnings(2, Duration.ofSeconds(10));
      for (int i = 0; i < 5; i++) {
        w.warn("busy", "busy {}", i);
        w.warn("wrong secret", "wrong secret {}", i);
      }
      assertEquals(
          List.of("WARN busy 0", "WARN wrong secret 0", "WARN busy 1", "WARN wrong secret 1"),
          log.lines());
      w.flush();
      assertEquals(1, log.count("3 more like it in the last 1 s (the last: busy 4)"));
      assertEquals(1, log.count("3 more like it in the last 1 s (the last: wrong secret 4)"));
    }
  }

  @Test
  void aNewWindowLogsTheLastOnesSummaryThenStartsAgain() {
    try (CapturedLog log = new CapturedLog(LOGGER)) {
      RepeatedWarnings w = warnings(1, Duration.ofSeconds(10));
      w.warn("busy", "busy {}", 1);
      advance(3);
      w.warn("busy", "busy {}", 2);
      advance(6);
      w.warn("busy", "busy {}", 3);
      assertEquals(List.of("WARN busy 1"), log.lines());
      advance(1); // 10 s after the first: a new window
      w.warn("busy", "busy {}", 4);
      advance(10);
      w.warn("busy", "busy {}", 5);
      assertEquals(
          List.of(
              "WARN busy 1",
              "WARN ... and 2 more like it in the last 10 s (the last: busy 3)",
              "WARN busy 4",
              "WARN busy 5"),
          log.lines());
    }
  }
}
