package dev.orca.context;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ray.api.ActorHandle;
import io.ray.api.Ray;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Starting and stopping OrcaContext many times leaves no thread, process or file descriptor behind.
 */
class OrcaContextLeakTest {
  /** A small actor, so that Ray's LOCAL mode really runs something each time. */
  public static class Echo {
    public String echo(String s) {
      return s;
    }
  }

  private static void useOnce() {
    try (OrcaContext orca = OrcaContext.init()) {
      assertEquals(1000, orca.spark().range(1000).repartition(4).count());
      orca.ray();
      ActorHandle<Echo> echo = Ray.actor(Echo::new).remote();
      assertEquals("hi", echo.task(Echo::echo, "hi").remote().get());
    }
  }

  @Test
  void twentyStartsAndStopsLeaveNoThreadProcessOrFileDescriptor() throws Exception {
    useOnce(); // the first run loads classes and creates the JVM-wide threads that stay (JIT, GC,
    // ...)
    useOnce();
    Set<String> threadsBefore = threadNames();
    long processesBefore = ProcessHandle.current().descendants().count();
    long fdsBefore = openFileDescriptors();
    for (int i = 0; i < 20; i++) {
      useOnce();
    }
    Set<String> threadsAfter = settledThreadNames(threadsBefore.size());
    long fdsAfter = openFileDescriptors();
    Set<String> extra = new TreeSet<>(threadsAfter);
    extra.removeAll(threadsBefore);
    assertTrue(threadsAfter.size() <= threadsBefore.size(), "threads left behind: " + extra);
    assertEquals(
        processesBefore,
        ProcessHandle.current().descendants().count(),
        "child processes left behind");
    // a few descriptors come and go with class loading and the JIT; a leak grows with every run
    assertTrue(
        fdsAfter <= fdsBefore + 5,
        "file descriptors: " + fdsBefore + " before, " + fdsAfter + " after 20 runs");
  }

  /**
   * Spark SQL keeps a few thread pools for the whole JVM, not per session (static cached pools
   * whose idle threads end after 60 s): they are not ours to stop, and not a leak of a context.
   */
  private static final java.util.List<String> SPARK_JVM_WIDE_POOLS =
      java.util.List.of(
          "shuffle-exchange-",
          "QueryStageCreator-",
          "ResultQueryStageExecution-",
          "broadcast-exchange-",
          "subquery-");

  private static Set<String> threadNames() {
    Set<String> names = new TreeSet<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (SPARK_JVM_WIDE_POOLS.stream().noneMatch(t.getName()::startsWith)) {
        names.add(t.getName() + " (" + t.getId() + ")");
      }
    }
    return names;
  }

  /**
   * Threads that are ending take a moment to disappear (Spark's network event loops end after a
   * quiet period, Ray's executors after their stop returned): wait up to 60 s for the count to
   * settle, as long as a loaded machine may need; a leaked thread stays over the whole wait.
   */
  private static Set<String> settledThreadNames(int target) throws InterruptedException {
    long deadline = System.nanoTime() + 60_000_000_000L;
    Set<String> names = threadNames();
    while (names.size() > target && System.nanoTime() < deadline) {
      Thread.sleep(100);
      names = threadNames();
    }
    return names;
  }

  private static long openFileDescriptors() throws IOException {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    }
  }
}
