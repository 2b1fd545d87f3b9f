package dev.orca.estimator.internal.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.orca.estimator.CpuPinning;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Which CPU each worker takes, and the real pinning of real threads (read back from /proc). */
class CpuPlanTest {
  private static final List<String> TWO_ON_A = List.of("a:1", "a:2");

  private static BitSet cpus(int... ids) {
    BitSet b = new BitSet();
    for (int id : ids) {
      b.set(id);
    }
    return b;
  }

  @Test
  void autoPinsWorkersThatFillTheCpusEachToItsOwn() {
    CpuPlan first = CpuPlan.decide(CpuPinning.AUTO, 1, TWO_ON_A, 0, cpus(0, 1));
    CpuPlan second = CpuPlan.decide(CpuPinning.AUTO, 1, TWO_ON_A, 1, cpus(0, 1));
    assertEquals(cpus(0), first.cpus());
    assertEquals(cpus(1), second.cpus());
    assertEquals(
        "pinned to CPU 1 (worker 2 of 2 workers on this host, which has CPUs 0-1)",
        second.description());
  }

  @Test
  void autoLeavesThreadsToTheKernelWhereCpusAreToSpareOnPinsAnyway() {
    BitSet eight = new BitSet();
    eight.set(0, 8);
    CpuPlan auto = CpuPlan.decide(CpuPinning.AUTO, 1, TWO_ON_A, 1, eight);
    assertNull(auto.cpus());
    assertTrue(
        auto.description().startsWith("not pinned: 2 workers on this host"), auto.description());
    assertTrue(auto.description().contains("CPUs 0-7"), auto.description());
    assertEquals(cpus(1), CpuPlan.decide(CpuPinning.ON, 1, TWO_ON_A, 1, eight).cpus());
    // a single worker is never pinned by AUTO, even on a 1-CPU process
    assertNull(CpuPlan.decide(CpuPinning.AUTO, 1, List.of("a:1"), 0, cpus(3)).cpus());
    assertEquals(cpus(3), CpuPlan.decide(CpuPinning.ON, 1, List.of("a:1"), 0, cpus(3)).cpus());
  }

  @Test
  void theCpusAreTakenInOrderOfTheMaskSkippingItsGaps() {
    BitSet mask = cpus(2, 5, 6);
    List<String> three = List.of("a:1", "a:2", "a:3");
    assertEquals(cpus(2), CpuPlan.decide(CpuPinning.AUTO, 1, three, 0, mask).cpus());
    assertEquals(cpus(5), CpuPlan.decide(CpuPinning.AUTO, 1, three, 1, mask).cpus());
    assertEquals(cpus(6), CpuPlan.decide(CpuPinning.AUTO, 1, three, 2, mask).cpus());
    assertEquals("2,5-6", CpuPlan.list(mask));
  }

  @Test
  void workersAreCountedAndPlacedPerHost() {
    List<String> mixed = List.of("a:1", "b:1", "a:2", "b:2");
    assertEquals(cpus(1), CpuPlan.decide(CpuPinning.AUTO, 1, mixed, 2, cpus(0, 1)).cpus());
    assertEquals(cpus(0), CpuPlan.decide(CpuPinning.AUTO, 1, mixed, 1, cpus(0, 1)).cpus());
    assertEquals(cpus(1), CpuPlan.decide(CpuPinning.AUTO, 1, mixed, 3, cpus(0, 1)).cpus());
  }

  @Test
  void tooManyWorkersWorkersOfSeveralCoresAndOffAreNotPinned() {
    List<String> three = List.of("a:1", "a:2", "a:3");
    CpuPlan crowded = CpuPlan.decide(CpuPinning.ON, 1, three, 0, cpus(0, 1));
    assertNull(crowded.cpus());
    assertTrue(crowded.description().endsWith("more workers than CPUs"), crowded.description());
    CpuPlan wide = CpuPlan.decide(CpuPinning.ON, 2, TWO_ON_A, 0, cpus(0, 1, 2, 3));
    assertNull(wide.cpus());
    assertTrue(wide.description().contains("workers of 2 cores"), wide.description());
    CpuPlan off = CpuPlan.decide(CpuPinning.OFF, 1, TWO_ON_A, 0, cpus(0, 1));
    assertNull(off.cpus());
    assertEquals("not pinned (CpuPinning.OFF)", off.description());
  }

  @Test
  void aPinnedThreadAndTheThreadsItStartsRunOnItsCpuUntilItIsGivenBack() throws Exception {
    assumeTrue(ThreadAffinity.unavailable() == null, ThreadAffinity.unavailable());
    AtomicReference<Object> result = new AtomicReference<>();
    // a thread of its own, so that a failure cannot leave the test runner's thread pinned
    Thread t =
        new Thread(
            () -> {
              try {
                String before = allowedCpus();
                CpuPlan plan = CpuPlan.choose(CpuPinning.ON, 1, List.of("a:1"), 0);
                String first = Integer.toString(plan.cpus().nextSetBit(0));
                String during;
                AtomicReference<String> child = new AtomicReference<>();
                try (CpuPlan.Pinned pinned = plan.pinCallingThread()) {
                  during = allowedCpus();
                  Thread started = new Thread(() -> child.set(allowedCpus()));
                  started.start();
                  started.join();
                }
                result.set(List.of(before, first, during, child.get(), allowedCpus()));
              } catch (Throwable e) {
                result.set(e);
              }
            });
    t.start();
    t.join();
    if (result.get() instanceof Throwable e) {
      throw new AssertionError(e);
    }
    List<?> seen = (List<?>) result.get();
    assertEquals(seen.get(1), seen.get(2), "the thread's CPUs while pinned");
    assertEquals(seen.get(1), seen.get(3), "a thread started while pinned inherits the CPU");
    assertEquals(seen.get(0), seen.get(4), "the CPUs given back");
    assertEquals(CpuPlan.list(ThreadAffinity.get(ThreadAffinity.currentThreadId())), seen.get(0));
  }

  /** The calling thread's CPUs as the kernel lists them in /proc (e.g. "0-1"). */
  static String allowedCpus() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/thread-self/status"))) {
        if (line.startsWith("Cpus_allowed_list:")) {
          return line.substring("Cpus_allowed_list:".length()).trim();
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    throw new IllegalStateException("no Cpus_allowed_list in /proc/thread-self/status");
  }
}
