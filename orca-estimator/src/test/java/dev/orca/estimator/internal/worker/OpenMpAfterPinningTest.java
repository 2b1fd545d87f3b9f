package dev.orca.estimator.internal.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Intel's OpenMP (under MKL and oneDNN) sets every thread that first enters it to the CPUs the
 * process had when the runtime started. Started by a pinned worker, it would pin every thread that
 * computes afterwards (the driver's, the next fit's) to that worker's one CPU: a worker enters the
 * runtime before it pins itself. Tested in a fresh JVM, where nothing has entered it yet.
 */
class OpenMpAfterPinningTest {
  @Test
  void threadsThatComputeAfterAPinnedWorkerKeepAllTheirCpus() throws Exception {
    assumeTrue(ThreadAffinity.unavailable() == null, ThreadAffinity.unavailable());
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb =
        new ProcessBuilder(
            List.of(
                java,
                "-Xmx256m",
                "-Dlog4j2.configurationFile=" + System.getProperty("log4j2.configurationFile", ""),
                "-cp",
                System.getProperty("java.class.path"),
                PinnedFirstMain.class.getName()));
    pb.redirectError(new File("target", "pinned-first-main.log"));
    Process child = pb.start();
    String line;
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      line = out.readLine();
    }
    assertTrue(child.waitFor(2, TimeUnit.MINUTES), "the child JVM did not end in 2 minutes");
    assertEquals(
        0, child.exitValue(), "the child failed: see orca-estimator/target/pinned-first-main.log");
    assertTrue(line != null && line.startsWith("CPUS "), "the child said: " + line);
    String[] cpus = line.split(" ");
    assertEquals(CpuPlan.list(ThreadAffinity.get(ThreadAffinity.currentThreadId())), cpus[1]);
    assertEquals(
        Integer.toString(ThreadAffinity.get(ThreadAffinity.currentThreadId()).nextSetBit(0)),
        cpus[3],
        "the worker's CPU while pinned");
    assertEquals(cpus[1], cpus[2], "the main thread's CPUs after it computed");
  }
}
