package dev.orca.estimator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.common.JvmOptions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Many OrcaContext start / fit / evaluate / predict / stop cycles in one JVM keep its resident
 * memory within a bound once warm: each cycle trains on 16 MiB of new data, so a cycle that left
 * its data, shards, model or workers behind would grow the process by tens of MiB a time. Run in a
 * JVM of its own whose heap is touched in full at start ({@code -XX:+AlwaysPreTouch}), so that the
 * heap filling up its committed pages does not count as growth.
 *
 * <p>Measured here (benchmarks/README.md, lifecycle-memory): after three warm-up cycles, 2 to 4 MiB
 * a cycle, falling as the JIT and Metaspace settle and glibc's malloc arenas fill; none of it is
 * Orca's native or Arrow memory.
 */
class LifecycleMemoryTest {
  private static final int CYCLES = 10;
  private static final int WARMUP = 3;
  private static final long BOUND_MIB = 64;

  @Test
  void residentMemoryStaysWithinABoundOverManyCycles() throws Exception {
    List<String> command = new ArrayList<>();
    command.add(System.getProperty("java.home") + "/bin/java");
    command.addAll(List.of("-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch", "-XX:+UseParallelGC"));
    command.addAll(JvmOptions.required());
    command.add("-Dlog4j2.configurationFile=" + System.getProperty("log4j2.configurationFile", ""));
    command.addAll(List.of("-cp", System.getProperty("java.class.path")));
    command.add(LifecycleMemoryMain.class.getName());
    command.add(Integer.toString(CYCLES));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(JvmOptions.environment()); // what Orca gives the JVMs it starts
    Process p = builder.start();
    String out;
    try {
      out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the cycles did not end within 5 minutes");
    } finally {
      p.destroyForcibly();
    }
    assertEquals(0, p.exitValue(), out);
    long[] rss = new long[CYCLES + 1];
    for (String line : out.split("\n")) {
      String[] f = line.trim().split(" ");
      if (f.length == 3 && f[0].equals("rss")) {
        rss[Integer.parseInt(f[1])] = Long.parseLong(f[2]) >> 10;
      }
    }
    StringBuilder table = new StringBuilder();
    for (int i = 1; i <= CYCLES; i++) {
      assertTrue(rss[i] > 0, "no figure for cycle " + i + ":\n" + out);
      table.append(" ").append(rss[i]);
    }
    long growth = rss[CYCLES] - rss[WARMUP];
    System.out.println("RSS after each cycle (MiB):" + table + "; growth after warm-up " + growth);
    assertTrue(
        growth < BOUND_MIB,
        "resident memory grew by "
            + growth
            + " MiB over "
            + (CYCLES - WARMUP)
            + " cycles after warm-up (bound "
            + BOUND_MIB
            + " MiB): a cycle leaves memory behind. RSS per cycle:"
            + table);
  }
}
