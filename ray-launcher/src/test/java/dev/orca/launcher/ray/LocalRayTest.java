package dev.orca.launcher.ray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.launcher.LauncherException;
import io.ray.api.ActorHandle;
import io.ray.api.ObjectRef;
import io.ray.api.Ray;
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
    int before = liveThreads();
    for (int i = 0; i < 20; i++) {
      RayRuntime ray = LocalRay.start();
      ActorHandle<Counter> counter = Ray.actor(Counter::new).remote();
      assertEquals(1, counter.task(Counter::add, 1).remote().get());
      ray.stop();
      ray.stop(); // idempotent
      assertFalse(ray.isRunning());
    }
    assertTrue(
        liveThreads() <= before,
        "threads before "
            + before
            + ", after "
            + liveThreads()
            + ": "
            + Thread.getAllStackTraces().keySet());
  }

  static int liveThreads() throws InterruptedException {
    // threads that are ending take a moment to disappear
    int n = Thread.activeCount();
    for (int i = 0; i < 50 && n > 0; i++) {
      Thread.sleep(20);
      n = Thread.getAllStackTraces().size();
    }
    return Thread.getAllStackTraces().size();
  }
}
