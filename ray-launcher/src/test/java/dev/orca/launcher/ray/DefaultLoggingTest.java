package dev.orca.launcher.ray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.common.JvmOptions;
import dev.orca.launcher.ray.internal.DefaultLogConfigurationFactory;
import dev.orca.testing.ForkedJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an application sees of the logs when it has no logging configuration of its own (Orca at
 * INFO, Spark and Ray at WARN, whatever Ray's jar carries), and that a configuration of its own
 * always wins. Each case runs in a JVM of its own, since logging is set up once per JVM.
 */
class DefaultLoggingTest {
  /** Logs a line at INFO and one at WARN under a few names, before and after Ray starts. */
  public static final class Probe {
    public static void main(String[] args) {
      logAll("before");
      RayRuntime ray = RayRuntimes.start(RayOptions.local(), null);
      try {
        logAll("with Ray");
      } finally {
        ray.stop();
      }
      System.out.println(
          "CONFIGURATION "
              + ((LoggerContext) LogManager.getContext(false)).getConfiguration().getName());
    }

    private static void logAll(String when) {
      for (String name :
          new String[] {"dev.orca.probe", "org.apache.spark.probe", "io.ray.probe"}) {
        Logger log = LoggerFactory.getLogger(name);
        log.info("info from {} {}", name, when);
        log.warn("warn from {} {}", name, when);
      }
    }
  }

  @Test
  void withoutAConfigurationOrcaIsAtInfoAndSparkAndRayAtWarn(@TempDir Path dir) throws Exception {
    ForkedJvm.Result r = probe(dir).run();
    assertEquals(0, r.exitCode(), r.output());
    String err = r.stderr();
    for (String when : new String[] {"before", "with Ray"}) {
      assertTrue(err.contains("INFO  probe: info from dev.orca.probe " + when), r.output());
      assertTrue(err.contains("WARN  probe: warn from org.apache.spark.probe " + when), r.output());
      assertTrue(err.contains("WARN  probe: warn from io.ray.probe " + when), r.output());
      assertFalse(err.contains("info from org.apache.spark.probe " + when), r.output());
      assertFalse(err.contains("info from io.ray.probe " + when), r.output());
    }
    assertTrue(r.stdout().contains("CONFIGURATION " + DefaultLogConfigurationFactory.DEFAULT_NAME));
    // nothing on stdout but the program's own line, not a word of log4j's about Ray's file
    assertEquals(1, r.stdoutLines().size(), r.output());
    assertFalse(r.output().contains("ray-runtime"), r.output());
  }

  @Test
  void theApplicationsOwnFileWinsEvenAfterRaysJarOnTheClasspath(@TempDir Path dir)
      throws Exception {
    Path own = Files.createDirectories(dir.resolve("own-config"));
    Files.writeString(
        own.resolve("log4j2.xml"),
        """
        <Configuration name="applications-own">
          <Appenders><Console name="out" target="SYSTEM_OUT">
            <PatternLayout pattern="OWN %p %c: %m%n"/></Console></Appenders>
          <Loggers><Root level="info"><AppenderRef ref="out"/></Root></Loggers>
        </Configuration>
        """);
    ForkedJvm.Result r = probe(dir).classpathAppend(own).run();
    assertEquals(0, r.exitCode(), r.output());
    assertTrue(r.stdout().contains("OWN INFO org.apache.spark.probe: info from"), r.output());
    assertTrue(r.stdout().contains("OWN INFO io.ray.probe: info from io.ray.probe with Ray"));
    assertTrue(r.stdout().contains("CONFIGURATION applications-own"), r.output());
  }

  @Test
  void aConfigurationFileNamedOnTheCommandLineWins(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("mine.properties");
    Files.writeString(
        file,
        """
        name = named-on-the-command-line
        appender.out.type = Console
        appender.out.name = out
        appender.out.layout.type = PatternLayout
        appender.out.layout.pattern = MINE %p %c: %m%n
        rootLogger.level = warn
        rootLogger.appenderRef.out.ref = out
        """);
    ForkedJvm.Result r = probe(dir).jvmOptions("-Dlog4j2.configurationFile=" + file).run();
    assertEquals(0, r.exitCode(), r.output());
    assertTrue(r.stdout().contains("MINE WARN dev.orca.probe: warn from"), r.output());
    assertFalse(r.stdout().contains("info from dev.orca.probe"), r.output());
    assertTrue(r.stdout().contains("CONFIGURATION named-on-the-command-line"), r.output());
  }

  private static ForkedJvm probe(Path dir) {
    return ForkedJvm.of(Probe.class)
        .jvmOptions(JvmOptions.required())
        // test support that may carry the build's test logging configuration stays out
        .classpathWithout(e -> e.contains("orca-common") && e.contains("test"))
        .workDir(dir);
  }
}
