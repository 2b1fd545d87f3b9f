package dev.orca.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Every single-bit flip of a small model file, loaded in a JVM with a 64 MiB heap ({@link
 * ModelFileFuzzMain}): a damaged file and a forged one (its checksum made to match, so that the
 * reader interprets the flipped bytes) end in the file's own error or, for a harmless forged
 * change, in a model; never in an OutOfMemoryError or another exception.
 */
class ModelFileFuzzTest {
  @Test
  void everyFlippedBitEndsInTheFilesErrorWithinASmallHeap() throws Exception {
    List<String> command =
        List.of(
            System.getProperty("java.home") + "/bin/java",
            "-Xmx64m",
            // JavaCPP refuses native memory once the process's RSS passes 2 x -Xmx; that
            // limit is not what this test is about.
            "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0",
            "-Dlog4j2.configurationFile=" + System.getProperty("log4j2.configurationFile", ""),
            "-cp",
            System.getProperty("java.class.path"),
            ModelFileFuzzMain.class.getName());
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out;
    try {
      out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the fuzzing JVM did not finish in 120 s");
    } finally {
      p.destroyForcibly();
    }
    assertEquals(0, p.exitValue(), out);
    assertTrue(!out.contains("unexpected"), out);
    Map<String, int[]> summary = new HashMap<>();
    int bytes = 0;
    for (String line : out.split("\n")) {
      String[] f = line.trim().split(" ");
      if (f.length == 3 && f[0].equals("file")) {
        bytes = Integer.parseInt(f[1]);
      } else if (f.length == 5 && List.of("damaged", "forged", "claim").contains(f[0])) {
        summary.put(
            f[0],
            new int[] {
              Integer.parseInt(f[1]),
              Integer.parseInt(f[2]),
              Integer.parseInt(f[3]),
              Integer.parseInt(f[4])
            });
      }
    }
    int[] damaged = summary.get("damaged");
    assertEquals(8 * bytes, damaged[0], out);
    assertEquals(damaged[0], damaged[1], "the checksum catches every damaged bit: " + out);
    int[] forged = summary.get("forged");
    assertTrue(forged[0] > 4 * bytes, "most bytes are interpreted: " + out);
    assertEquals(0, forged[3], out);
    assertTrue(forged[1] > 0 && forged[2] > 0, "some forged flips are harmless: " + out);
    assertArrayEquals(new int[] {1, 1, 0, 0}, summary.get("claim"), out);
  }
}
