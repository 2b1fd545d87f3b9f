package dev.orca.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.OrcaConfigurationException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The JVM flags Spark, Arrow and Ray need, read from the one file that lists them. */
class JvmOptionsTest {
  @Test
  void theFlagsOpenWhatSparkArrowAndRayReflectOn() {
    List<String> flags = JvmOptions.required();
    for (String pkg : List.of("java.lang", "java.nio", "sun.nio.ch", "java.util.concurrent")) {
      assertTrue(
          flags.contains("--add-opens=java.base/" + pkg + "=ALL-UNNAMED"), pkg + " in " + flags);
    }
    assertEquals(String.join(" ", flags), JvmOptions.joined());
  }

  @Test
  void theEnvironmentFixesGlibcsMmapThresholdAndAsksForHugePages() {
    assertEquals(
        java.util.Map.of(
            "MALLOC_MMAP_THRESHOLD_", "131072", "GLIBC_TUNABLES", "glibc.malloc.hugetlb=1"),
        JvmOptions.environment());
  }

  @Test
  void mergingKeepsTheUsersFlagsAndAddsEachMissingFlagOnce() {
    String merged = JvmOptions.mergeInto("-Xss4m --add-opens=java.base/java.lang=ALL-UNNAMED");
    assertTrue(merged.startsWith("-Xss4m --add-opens=java.base/java.lang=ALL-UNNAMED"), merged);
    List<String> parts = List.of(merged.split(" "));
    for (String flag : JvmOptions.required()) {
      assertEquals(1, parts.stream().filter(flag::equals).count(), flag);
    }
    assertEquals(JvmOptions.joined(), JvmOptions.mergeInto("  "));
  }

  @Test
  void theArgumentFileInTheJarListsExactlyTheSameFlags() throws IOException {
    String text;
    try (InputStream in = JvmOptions.class.getResourceAsStream("jvm-options.txt")) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    // java's argument-file rules: lines starting with # are comments, arguments split at spaces
    List<String> args = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (!line.startsWith("#") && !line.isBlank()) {
        args.addAll(List.of(line.trim().split("\\s+")));
      }
    }
    assertEquals(JvmOptions.required(), args);
  }

  @Test
  void theLauncherScriptPrintsTheSameFlags() throws Exception {
    // the tests run in the module's folder; the script is at the root of the repository
    Path script = Path.of("").toAbsolutePath().getParent().resolve("bin/orca-run");
    Process p =
        new ProcessBuilder(script.toString(), "--print-jvm-options")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "bin/orca-run --print-jvm-options did not end");
    assertEquals(0, p.exitValue(), out);
    assertEquals(JvmOptions.joined() + "\n", out);
  }

  @Test
  void theTestJvmHasEveryFlag() {
    // the parent POM starts the test JVMs with the flags of the same file
    assertEquals(List.of(), JvmOptions.missing());
    JvmOptions.requireInThisJvm();
  }

  @Test
  void aFlagCountsByItsEffectAndEachMissingOneIsNamed() {
    System.setProperty("orca.test.present", "yes");
    try {
      List<String> flags =
          List.of(
              "--add-opens=java.base/java.lang=ALL-UNNAMED", // opened by the test JVM's flags
              "--add-opens=java.base/jdk.internal.math=ALL-UNNAMED", // opened by nobody
              "--add-opens=no.such.module/a.b=ALL-UNNAMED", // nothing to open here
              "-Dorca.test.present=yes",
              "-Dorca.test.present=no",
              "-Dorca.test.absent=x");
      assertEquals(
          List.of(
              "--add-opens=java.base/jdk.internal.math=ALL-UNNAMED",
              "-Dorca.test.present=no",
              "-Dorca.test.absent=x"),
          JvmOptions.missing(flags));
    } finally {
      System.clearProperty("orca.test.present");
    }
  }

  @Test
  void theMessageGivesTheLineToAddAndWhereToAddIt() {
    List<String> missing =
        List.of(
            "--add-opens=java.base/java.math=ALL-UNNAMED", "-Darrow.memory.debug.allocator=false");
    String message =
        new OrcaConfigurationException(JvmOptions.missingMessage(missing)).getMessage();
    assertTrue(
        message.contains(
            "\n  --add-opens=java.base/java.math=ALL-UNNAMED -Darrow.memory.debug.allocator=false\n"),
        message);
    assertTrue(message.startsWith("This JVM lacks 2 of the " + JvmOptions.required().size()));
    for (String where : List.of("<argLine>", "exec:exec", "VM options", "--driver-java-options")) {
      assertTrue(message.contains(where), where + " in " + message);
    }
  }
}
