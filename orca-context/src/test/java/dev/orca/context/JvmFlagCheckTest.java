package dev.orca.context;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.OrcaConfigurationException;
import dev.orca.common.JvmOptions;
import dev.orca.testing.ForkedJvm;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A program started without the JVM flags Spark, Arrow and Ray need learns it from {@code
 * OrcaContext.init()} at once, with the flags to add, before any Spark starts.
 */
class JvmFlagCheckTest {
  /** Logs everything at INFO to stdout, so that a Spark that started would show. */
  private static final String LOG_CONFIG =
      """
      appender.out.type = Console
      appender.out.name = out
      appender.out.target = SYSTEM_OUT
      appender.out.layout.type = PatternLayout
      appender.out.layout.pattern = LOG %p %c: %m%n
      rootLogger.level = info
      rootLogger.appenderRef.out.ref = out
      """;

  /** Calls {@code OrcaContext.init()}, and reports how it ended. */
  public static final class Probe {
    public static void main(String[] args) {
      try (OrcaContext orca = OrcaContext.init()) {
        System.out.println("STARTED " + orca.spark().sparkContext().master());
      } catch (OrcaConfigurationException e) {
        long uptime = ManagementFactory.getRuntimeMXBean().getUptime();
        System.out.println("REFUSED after " + uptime + " ms of JVM uptime");
        System.out.println("SPARK SESSION " + SparkSession.getDefaultSession().isDefined());
        System.out.println("MESSAGE " + e.getMessage());
        System.exit(3);
      }
    }
  }

  @Test
  void withoutAnyFlagEveryFlagIsNamedAndSparkNeverStarts(@TempDir Path dir) throws Exception {
    ForkedJvm.Result r = probe(dir, List.of());
    assertEquals(3, r.exitCode(), r.output());
    assertEquals(JvmOptions.required(), lineToAdd(r), r.output());
    assertTrue(
        r.stdout().contains("This JVM lacks " + JvmOptions.required().size() + " of the "),
        r.output());
    assertTrue(r.stdout().contains("SPARK SESSION false"), r.output());
    assertFalse(r.stdout().contains("org.apache.spark"), "Spark logged, so it started:\n" + r);
    System.out.println(timing(r));
  }

  @Test
  void withSomeFlagsExactlyTheOthersAreNamed(@TempDir Path dir) throws Exception {
    List<String> all = JvmOptions.required();
    // every other flag given: --add-opens ones and system properties on both sides
    List<String> given = new java.util.ArrayList<>();
    List<String> notGiven = new java.util.ArrayList<>();
    for (int i = 0; i < all.size(); i++) {
      (i % 2 == 0 ? given : notGiven).add(all.get(i));
    }
    ForkedJvm.Result r = probe(dir, given);
    assertEquals(3, r.exitCode(), r.output());
    assertEquals(notGiven, lineToAdd(r), r.output());
    assertTrue(
        r.stdout().contains("This JVM lacks " + notGiven.size() + " of the " + all.size()),
        r.output());
    assertTrue(r.stdout().contains("SPARK SESSION false"), r.output());
  }

  @Test
  void theFlagsAsAnArgumentFileAreEnoughToStart(@TempDir Path dir) throws Exception {
    // what a user's build does with the argument file from the orca-common jar
    Path argFile = dir.resolve("jvm-options.txt");
    try (var in = JvmOptions.class.getResourceAsStream("jvm-options.txt")) {
      Files.copy(in, argFile);
    }
    ForkedJvm.Result r = probe(dir, List.of("@" + argFile, "-Xmx1g"));
    assertEquals(0, r.exitCode(), r.output());
    assertTrue(r.stdout().contains("STARTED local[*]"), r.output());
  }

  private static ForkedJvm.Result probe(Path dir, List<String> flags) throws Exception {
    Path log = dir.resolve("log4j2-info.properties");
    Files.writeString(log, LOG_CONFIG);
    return ForkedJvm.of(Probe.class)
        .jvmOptions(flags)
        .jvmOptions("-Dlog4j2.configurationFile=" + log)
        .workDir(dir)
        .run();
  }

  /** The flags of the line the message says to add (the line after the blank one). */
  private static List<String> lineToAdd(ForkedJvm.Result r) {
    List<String> lines = r.stdoutLines();
    Optional<String> line =
        lines.stream().filter(l -> l.startsWith("  -")).findFirst().map(String::trim);
    return line.map(l -> List.of(l.split(" "))).orElse(List.of());
  }

  private static String timing(ForkedJvm.Result r) {
    return r.stdoutLines().stream()
        .filter(l -> l.startsWith("REFUSED"))
        .findFirst()
        .orElse("no timing");
  }
}
