package dev.orca.collective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.common.StaleSharedMemory;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Rings across two real JVM processes on this host: this test JVM and a child JVM ({@link
 * RingWorkerMain}), each with one or two workers. Workers of one host in two processes sum through
 * a shared-memory segment; its name is gone from the directory once every worker has mapped it, and
 * closing unmaps it.
 */
class TwoProcessRingTest {

  /** The child JVM, started with this JVM's own class path. */
  private static final class Child implements AutoCloseable {
    final Process process;
    final BufferedReader out;
    final Writer in;

    Child(String scenario, int size, Transport transport, String logName, String... groups)
        throws Exception {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      List<String> command =
          new ArrayList<>(
              List.of(
                  java,
                  "-Xmx256m",
                  "-XX:MaxDirectMemorySize=256m",
                  "--add-opens=java.base/java.nio=ALL-UNNAMED", // one of Orca's JVM flags
                  "-Dlog4j2.configurationFile="
                      + System.getProperty("log4j2.configurationFile", ""),
                  "-cp",
                  System.getProperty("java.class.path"),
                  RingWorkerMain.class.getName(),
                  scenario,
                  String.valueOf(size),
                  RingHarness.shm().toString(),
                  transport.name()));
      command.addAll(List.of(groups));
      ProcessBuilder pb = new ProcessBuilder(command);
      pb.redirectError(new File("target", logName));
      process = pb.start();
      out =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    }

    String readLine(String prefix) throws Exception {
      String line = out.readLine();
      if (line == null || !line.startsWith(prefix)) {
        throw new AssertionError(
            "child said '"
                + line
                + "' where '"
                + prefix
                + "...' was due; "
                + "see its log in collective/target");
      }
      return line.substring(prefix.length());
    }

    /**
     * Forms the ring of this JVM's {@code mine} at {@code myRanks} and the child's workers at
     * {@code childRanks}; returns the address list.
     */
    List<String> formRing(List<RingAllReduce> mine, int[] myRanks, int[] childRanks)
        throws Exception {
      String[] childAddresses = readLine("ADDRESS ").split(",");
      String[] all = new String[mine.size() + childAddresses.length];
      for (int i = 0; i < mine.size(); i++) {
        all[myRanks[i]] = mine.get(i).localAddress();
      }
      for (int i = 0; i < childAddresses.length; i++) {
        all[childRanks[i]] = childAddresses[i];
      }
      List<String> addresses = Arrays.asList(all);
      StringBuilder ranks = new StringBuilder();
      for (int r : childRanks) {
        ranks.append(ranks.length() == 0 ? "" : ",").append(r);
      }
      send(ranks + " " + String.join(",", addresses));
      RingHarness.onEach(
          mine,
          (i, ring) -> {
            ring.connect(addresses, myRanks[i]);
            return null;
          });
      return addresses;
    }

    void send(String line) throws Exception {
      in.write(line + "\n");
      in.flush();
    }

    @Override
    public void close() throws Exception {
      process.destroyForcibly();
      assertTrue(process.waitFor(30, TimeUnit.SECONDS), "child JVM did not exit");
    }
  }

  private static RingAllReduce open(Transport transport, String group) {
    return RingAllReduce.open(RingWorkerMain.options(RingHarness.shm(), transport, group).build());
  }

  @ParameterizedTest
  @EnumSource(names = {"AUTO", "TCP"})
  void twoJvmsReduceBroadcastAndSumTheSame(Transport transport) throws Exception {
    int size = 1_000_003;
    Transport expected = transport == Transport.AUTO ? Transport.SHARED_MEMORY : transport;
    try (Child child = new Child("check", size, transport, "ring-child-check.log", "-");
        RingAllReduce ring = open(transport, "-")) {
      child.formRing(List.of(ring), new int[] {0}, new int[] {1});
      assertEquals(expected, ring.transport(), ring.placement());
      assertEquals(List.of(), RingHarness.shmFiles(), "the segment's name goes once all joined");
      assertEquals("OK", RingWorkerMain.check(ring, 0, 2, size), "this JVM, rank 0");
      assertEquals(expected + " OK", child.readLine(""), "the child JVM, rank 1");
      assertEquals(
          0,
          child.process.waitFor(30, TimeUnit.SECONDS) ? child.process.exitValue() : -1,
          "the child closed its ring and exited cleanly");
      ring.close();
      assertEquals(List.of(), RingHarness.shmMappings(), "closed: the segment is unmapped");
    }
  }

  @ParameterizedTest
  @EnumSource(names = {"SHARED_MEMORY", "TCP"})
  void aKilledPeerProcessFailsTheStepNamingIt(Transport transport) throws Exception {
    int size = 4_000_000;
    try (Child child = new Child("loop", size, transport, "ring-child-loop.log", "-");
        RingAllReduce ring = open(transport, "-")) {
      String childAddress = child.formRing(List.of(ring), new int[] {0}, new int[] {1}).get(1);
      FloatBuffer buf = RingHarness.filled(0, size);
      Thread killer =
          new Thread(
              () -> {
                try {
                  String line;
                  while ((line = child.out.readLine()) != null && !line.equals("STEP 2")) {
                    // the child is inside its fourth step when it dies
                  }
                } catch (Exception e) {
                  // killed anyway below
                }
                child.process.destroyForcibly();
              });
      killer.start();
      RingException e =
          assertThrows(
              RingException.class,
              () -> {
                while (true) {
                  ring.allReduce(buf);
                }
              });
      killer.join();
      String m = e.getMessage();
      assertTrue(m.startsWith("all-reduce #"), m);
      // over TCP "lost connection to worker rank 1 at ...", in shared memory "lost worker rank 1
      // at ...: its process (pid ...) on this host ended"
      assertTrue(m.contains("lost"), m);
      assertTrue(m.contains("worker rank 1 at " + childAddress), m);
      if (transport == Transport.SHARED_MEMORY) {
        assertTrue(m.contains("(pid " + child.process.pid() + ")"), m);
      }
      assertEquals(List.of(), RingHarness.shmFiles(), "a killed worker leaves no segment behind");
      ring.close();
      assertEquals(List.of(), RingHarness.shmMappings(), "closed: the segment is unmapped");
    }
  }

  @Test
  void twoHostsOfTwoProcessesSumThroughSegmentsAndTcpWithTheSameBits() throws Exception {
    // host "a" = rank 0 here and rank 1 in the child; host "b" = rank 2 here and rank 3 there:
    // each host spans both JVMs, so each sums through a segment, and the hosts over TCP
    try (Child child = new Child("fold", 0, Transport.AUTO, "ring-child-fold.log", "a", "b")) {
      List<RingAllReduce> mine = List.of(open(Transport.AUTO, "a"), open(Transport.AUTO, "b"));
      try {
        child.formRing(mine, new int[] {0, 2}, new int[] {1, 3});
        for (RingAllReduce r : mine) {
          assertEquals(Transport.HIERARCHICAL, r.transport());
          assertEquals(
              "2 hosts: ranks 0..1 in shared memory, ranks 2..3 in shared memory;"
                  + " TCP between hosts",
              r.placement());
        }
        int[] ranks = {0, 2};
        List<String> here =
            RingHarness.onEach(mine, (i, ring) -> RingWorkerMain.fold(ring, ranks[i], 4));
        assertEquals(List.of("OK", "OK"), here, "this JVM's ranks 0 and 2");
        assertEquals("HIERARCHICAL OK", child.readLine(""), "the child's ranks");
        assertEquals("HIERARCHICAL OK", child.readLine(""), "the child's ranks");
      } finally {
        RingHarness.closeAll(mine);
      }
      assertEquals(List.of(), RingHarness.shmFiles());
      assertEquals(List.of(), RingHarness.shmMappings(), "closed: the segments are unmapped");
    }
  }

  @ParameterizedTest(name = "this JVM's buffer shared: {0}")
  @ValueSource(booleans = {true, false})
  void sharedFloatsAreSummedInPlaceWithTheBitsOfTheFold(boolean shareHere) throws Exception {
    try (Child child =
        new Child("fold-shared", 0, Transport.AUTO, "ring-child-fold-shared.log", "-")) {
      RingAllReduce ring = open(Transport.AUTO, "-");
      try (SharedFloats shared = RingWorkerMain.sharedFloats(ring)) {
        child.formRing(List.of(ring), new int[] {0}, new int[] {1});
        assertEquals(Transport.SHARED_MEMORY, ring.transport(), ring.placement());
        String here =
            shareHere
                ? RingWorkerMain.fold(ring, 0, 2, shared.buffer())
                : RingWorkerMain.fold(ring, 0, 2);
        assertEquals("OK", here, "this JVM, rank 0");
        assertEquals("SHARED_MEMORY OK", child.readLine(""), "the child JVM, rank 1");
        // the child's floats were read where they are: this JVM mapped the child's buffer file
        String childFiles = "orca-ring-" + child.process.pid() + "-";
        assertTrue(
            RingHarness.shmMappings().stream().anyMatch(l -> l.contains(childFiles)),
            "this worker mapped the child's shared buffer: " + RingHarness.shmMappings());
        assertEquals(
            0, child.process.waitFor(30, TimeUnit.SECONDS) ? child.process.exitValue() : -1);
        assertEquals(
            List.of(shared.file().getFileName().toString()),
            RingHarness.shmFiles(),
            "the child removed its buffer's file when it closed it; this JVM's is there until closed");
      } finally {
        ring.close();
      }
      assertEquals(List.of(), RingHarness.shmFiles());
      assertEquals(
          List.of(),
          RingHarness.shmMappings(),
          "closed: the segment and the peer's buffer unmapped");
    }
  }

  @Test
  void sharedFloatsOnTwoHostsOfTwoProcessesGiveTheBitsOfTheFold() throws Exception {
    try (Child child =
        new Child("fold-shared", 0, Transport.AUTO, "ring-child-fold-shared2.log", "a", "b")) {
      List<RingAllReduce> mine = List.of(open(Transport.AUTO, "a"), open(Transport.AUTO, "b"));
      List<SharedFloats> buffers =
          List.of(
              RingWorkerMain.sharedFloats(mine.get(0)), RingWorkerMain.sharedFloats(mine.get(1)));
      try {
        child.formRing(mine, new int[] {0, 2}, new int[] {1, 3});
        int[] ranks = {0, 2};
        List<String> here =
            RingHarness.onEach(
                mine, (i, ring) -> RingWorkerMain.fold(ring, ranks[i], 4, buffers.get(i).buffer()));
        assertEquals(List.of("OK", "OK"), here, "this JVM's ranks 0 and 2");
        assertEquals("HIERARCHICAL OK", child.readLine(""), "the child's ranks");
        assertEquals("HIERARCHICAL OK", child.readLine(""), "the child's ranks");
      } finally {
        RingHarness.closeAll(mine);
        buffers.forEach(SharedFloats::close);
      }
      assertEquals(List.of(), RingHarness.shmFiles());
      assertEquals(List.of(), RingHarness.shmMappings());
    }
  }

  @Test
  void aKilledOwnersSharedFloatsAreRemovedByTheNextSweep() throws Exception {
    // the child allocates a shared buffer and is killed with it: its file is stale, and the sweep
    // every new ring (and context) runs removes it, and nothing else
    try (Child child =
        new Child("loop-shared", 4_000_000, Transport.AUTO, "ring-child-loop-shared.log", "-")) {
      RingAllReduce ring = open(Transport.AUTO, "-");
      try {
        child.formRing(List.of(ring), new int[] {0}, new int[] {1});
        FloatBuffer buf = RingHarness.filled(0, 4_000_000);
        ring.allReduce(buf);
        assertEquals("STEP 0", child.readLine(""));
        String childFiles = "orca-ring-" + child.process.pid() + "-";
        assertTrue(
            RingHarness.shmFiles().stream().anyMatch(f -> f.startsWith(childFiles)),
            RingHarness.shmFiles().toString());
        child.process.destroyForcibly();
        assertTrue(child.process.waitFor(30, TimeUnit.SECONDS));
        assertThrows(RingException.class, () -> ring.allReduce(buf));
      } finally {
        ring.close();
      }
      List<Path> removed = RingAllReduce.removeStaleSharedMemory(RingHarness.shm());
      assertEquals(1, removed.size(), removed.toString());
      assertTrue(
          removed
              .get(0)
              .getFileName()
              .toString()
              .startsWith("orca-ring-" + child.process.pid() + "-"));
      assertEquals(List.of(), RingHarness.shmFiles());
      assertEquals(List.of(), RingHarness.shmMappings());
    }
  }

  @Test
  void aSegmentWhoseCreatorWasKilledBeforeAllJoinedIsRemoved() throws Exception {
    // this JVM's worker looks for the segment in another directory, so the child (the host's
    // first worker) creates its segment and waits for a member that never maps it; then it dies
    Path elsewhere =
        Files.createTempDirectory(RingOptions.DEFAULT_SHARED_MEMORY_DIRECTORY, "orca-elsewhere-");
    try (Child child =
            new Child("check", 1000, Transport.SHARED_MEMORY, "ring-child-kill.log", "-");
        RingAllReduce ring =
            RingAllReduce.open(
                RingWorkerMain.options(elsewhere, Transport.SHARED_MEMORY, "-").build())) {
      CompletableFuture<List<String>> forming =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return child.formRing(List.of(ring), new int[] {1}, new int[] {0});
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      long pid = child.process.pid();
      Path segment = awaitFileOf(pid, forming);
      child.process.destroyForcibly();
      assertTrue(child.process.waitFor(30, TimeUnit.SECONDS), "the child did not die");
      ExecutionException failed =
          assertThrows(ExecutionException.class, () -> forming.get(60, TimeUnit.SECONDS));
      String m = failed.getCause().getMessage();
      assertTrue(m.contains("worker rank 0 at "), m);
      assertTrue(m.contains("ended (pid " + pid + ")"), m);
      assertTrue(Files.exists(segment), "the killed creator's segment is still named");
      assertEquals(List.of(segment), RingAllReduce.removeStaleSharedMemory(RingHarness.shm()));
      assertEquals(List.of(), RingHarness.shmFiles(), "nothing left of the killed process");
    } finally {
      Files.deleteIfExists(elsewhere);
    }
  }

  /** Waits until a file of process {@code pid} appears in the test's shared-memory directory. */
  private static Path awaitFileOf(long pid, CompletableFuture<?> forming) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      try (var files = Files.list(RingHarness.shm())) {
        List<Path> of =
            files
                .filter(f -> StaleSharedMemory.ownerPid(f.getFileName().toString()) == pid)
                .filter(f -> f.toString().endsWith(".shm"))
                .toList();
        if (!of.isEmpty()) {
          return of.get(0);
        }
      }
      if (forming.isDone()) {
        forming.get(); // surfaces the failure
        throw new AssertionError("the ring formed although a member looked elsewhere");
      }
      Thread.sleep(5);
    }
    throw new AssertionError("process " + pid + " made no segment within 60 s");
  }
}
