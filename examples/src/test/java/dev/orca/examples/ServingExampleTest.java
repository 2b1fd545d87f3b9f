package dev.orca.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Serving at reduced size: with no model file it trains one in plain Java, then 1, 2 and 4 threads
 * answer the same as a single-threaded batch predict; and it runs in a JVM that has no Spark or
 * Scala on its classpath at all.
 */
class ServingExampleTest {
  @Test
  void manyThreadsAnswerLikeOne(@TempDir Path out) throws Exception {
    ExampleResult r =
        ServingExample.run(
            "--model",
            out.resolve("none.orca").toString(),
            "--threads",
            "4",
            "--requests",
            "20000",
            "--out",
            out.toString());
    assertEquals(4.0, r.figure("threads"));
    assertEquals(3 * 20000.0, r.figure("requests"), "1, 2 and 4 threads, 20000 requests each");
    assertEquals(0.0, r.figure("mismatches"), "answers differ from the single-threaded predict");
    assertTrue(
        r.figure("p50_us") > 0
            && r.figure("p50_us") <= r.figure("p95_us")
            && r.figure("p95_us") <= r.figure("p99_us"),
        "percentiles out of order: " + r.figures());
    assertTrue(r.figure("throughput") > 0 && r.figure("single_thread_throughput") > 0);
    assertTrue(
        Files.isRegularFile(out.resolve("digits-mlp.orca")), "the fallback model was not saved");
    Charts.assertAllValid(r, 2);
  }

  @Test
  void needsNoSpark(@TempDir Path out) throws Exception {
    List<String> entries =
        Arrays.asList(System.getProperty("java.class.path").split(File.pathSeparator));
    String classpath =
        entries.stream()
            .filter(e -> !e.contains("/org/apache/spark/") && !e.contains("/org/scala-lang/"))
            .collect(Collectors.joining(File.pathSeparator));
    assertTrue(
        entries.stream().anyMatch(e -> e.contains("/org/apache/spark/")),
        "Spark should be on the test path");
    assertFalse(classpath.contains("spark-core"));
    Path log = out.resolve("serving.log");
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                classpath,
                ServingExample.class.getName(),
                "--model",
                out.resolve("none.orca").toString(),
                "--threads",
                "2",
                "--requests",
                "5000",
                "--out",
                out.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    boolean ended = p.waitFor(3, TimeUnit.MINUTES);
    if (!ended) {
      p.destroyForcibly();
    }
    String output = Files.readString(log, StandardCharsets.UTF_8);
    assertTrue(ended, "the serving JVM did not end within 3 minutes:\n" + output);
    assertEquals(0, p.exitValue(), "the serving JVM without Spark failed:\n" + output);
    assertTrue(output.contains("RESULT serving 2 threads"), output);
    assertTrue(output.contains("0 of 10000 answers differ"), output);
  }
}
