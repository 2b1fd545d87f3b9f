package dev.orca.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
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
  void theEnvironmentFixesGlibcsMmapThreshold() {
    assertEquals(java.util.Map.of("MALLOC_MMAP_THRESHOLD_", "131072"), JvmOptions.environment());
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
}
