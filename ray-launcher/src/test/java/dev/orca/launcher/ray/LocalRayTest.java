package dev.orca.launcher.ray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.launcher.LauncherException;
import io.ray.api.ActorHandle;
import io.ray.api.ObjectRef;
import io.ray.api.Ray;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LocalRayTest {
  /** An actor with state, to see that calls reach one instance in order. */
  public static class Counter {
    private int value;

    public int add(int delta) {
      value += delta;
      return value;
    }
  }

  @Test
  void actorsRunAndStateIsKeptBetweenCalls() {
    try (RayRuntime ray = LocalRay.start()) {
      assertTrue(ray.isRunning());
      ActorHandle<Counter> counter = Ray.actor(Counter::new).remote();
      counter.task(Counter::add, 3).remote().get();
      ObjectRef<Integer> second = counter.task(Counter::add, 4).remote();
      assertEquals(7, second.get());
      ObjectRef<byte[]> put = Ray.put(new byte[] {1, 2, 3});
      assertEquals(3, put.get().length);
    }
  }

  @Test
  void leavesNoSessionFilesBehindInTmp() {
    try (RayRuntime ray = LocalRay.start()) {
      String pid = "_" + ProcessHandle.current().pid();
      java.io.File[] left = new java.io.File("/tmp/ray").listFiles(f -> f.getName().endsWith(pid));
      assertTrue(
          left == null || left.length == 0,
          "Ray LOCAL mode left " + java.util.Arrays.toString(left));
    }
  }

  @Test
  void secondRuntimeInOneJvmIsRefusedWithAClearMessage() {
    try (RayRuntime ray = LocalRay.start()) {
      LauncherException e = assertThrows(LauncherException.class, LocalRay::start);
      assertTrue(e.getMessage().contains("already running"), e.getMessage());
    }
  }

  @Test
  void startStopTwentyTimesLeavesNoThreads() throws Exception {
    // warm up once: class loading creates a few JVM-wide threads that stay
    LocalRay.start().stop();
    Thread.sleep(1000); // most of the warm-up's Ray threads have ended by now; any left count too
    int before = Thread.getAllStackTraces().size();
    for (int i = 0; i < 20; i++) {
      RayRuntime ray = LocalRay.start();
      ActorHandle<Counter> counter = Ray.actor(Counter::new).remote();
      assertEquals(1, counter.task(Counter::add, 1).remote().get());
      ray.stop();
      ray.stop(); // idempotent
      assertFalse(ray.isRunning());
    }
    int after = settledThreads(before);
    assertTrue(
        after <= before,
        "threads before "
            + before
            + ", after "
            + after
            + " (waited 60 s for them to end): "
            + Thread.getAllStackTraces().keySet());
  }

  /**
   * The live threads once at most {@code target} are left, or after 60 s. Ray's stop() shuts its
   * executors down without waiting for their threads, which end a moment later (on a loaded
   * machine, many moments); a leak stays over the whole wait.
   */
  static int settledThreads(int target) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    int n = Thread.getAllStackTraces().size();
    while (n > target && System.nanoTime() < deadline) {
      Thread.sleep(50);
      n = Thread.getAllStackTraces().size();
    }
    return n;
  }
}
