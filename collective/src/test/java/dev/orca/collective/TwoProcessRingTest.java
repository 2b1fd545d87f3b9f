package dev.orca.collective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A ring across two real JVM processes: this test JVM is rank 0, a child JVM is rank 1. */
class TwoProcessRingTest {

  /** The child JVM, started with this JVM's own class path. */
  private static final class Child implements AutoCloseable {
    final Process process;
    final BufferedReader out;
    final Writer in;

    Child(String scenario, int size, String logName) throws Exception {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      ProcessBuilder pb =
          new ProcessBuilder(
              java,
              "-Xmx256m",
              "-XX:MaxDirectMemorySize=256m",
              "-Dlog4j2.configurationFile=" + System.getProperty("log4j2.configurationFile", ""),
              "-cp",
              System.getProperty("java.class.path"),
              RingWorkerMain.class.getName(),
              "1",
              scenario,
              String.valueOf(size));
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

    /** Forms the ring of this JVM (rank 0) and the child (rank 1); returns the child's address. */
    String formRing(RingAllReduce ring) throws Exception {
      String childAddress = readLine("ADDRESS ");
      List<String> addresses = List.of(ring.localAddress(), childAddress);
      send(String.join(",", addresses));
      ring.connect(addresses, 0);
      return childAddress;
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

  private static RingOptions.Builder options() {
    return RingHarness.options().optTimeout(Duration.ofSeconds(10)).optChunkBytes(64 << 10);
  }

  @Test
  void twoJvmsReduceBroadcastAndSumTheSame() throws Exception {
    int size = 1_000_003;
    try (Child child = new Child("check", size, "ring-child-check.log");
        RingAllReduce ring = RingAllReduce.open(options().build())) {
      child.formRing(ring);
      assertEquals("OK", RingWorkerMain.check(ring, 0, 2, size), "this JVM, rank 0");
      assertEquals("OK", child.readLine(""), "the child JVM, rank 1");
      assertEquals(
          0,
          child.process.waitFor(30, TimeUnit.SECONDS) ? child.process.exitValue() : -1,
          "the child closed its ring and exited cleanly");
    }
  }

  @Test
  void aKilledPeerProcessFailsTheStepNamingIt() throws Exception {
    int size = 4_000_000;
    try (Child child = new Child("loop", size, "ring-child-loop.log");
        RingAllReduce ring = RingAllReduce.open(options().build())) {
      String childAddress = child.formRing(ring);
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
      assertTrue(
          e.getMessage().contains("lost connection to worker rank 1 at " + childAddress),
          e.getMessage());
      assertTrue(e.getMessage().startsWith("all-reduce #"), e.getMessage());
    }
  }
}
