package dev.orca.assembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The application jar holds Orca and what a Spark distribution does not bring, and nothing that it
 * does: no class of spark-home's jars, no logging configuration, Guava under Orca's name.
 */
class AssemblyContentsTest {
  private static Path jarPath;
  private static Set<String> entries;

  @BeforeAll
  static void readJar() throws IOException {
    jarPath = AssemblyJar.path();
    try (JarFile jar = new JarFile(jarPath.toFile())) {
      entries = Set.copyOf(jar.stream().map(ZipEntry::getName).toList());
    }
  }

  @Test
  void holdsOrcaTheExamplesRayAndMklForLinux() throws IOException {
    for (String entry :
        List.of(
            "dev/orca/context/OrcaContext.class",
            "dev/orca/estimator/Estimator.class",
            "dev/orca/examples/DigitsExample.class",
            "dev/orca/sampledata/digits.csv.gz",
            "dev/orca/common/jvm-options.txt",
            "io/ray/runtime/RayNativeRuntime.class",
            "native/linux/libcore_worker_library_java.so",
            "org/bytedeco/mkl/linux-x86_64/libjnimkl_rt.so",
            "org/bytedeco/mkl/linux-x86_64/libmkl_rt.so.2",
            "org/bytedeco/mkl/linux-x86_64/libmkl_core.so.2",
            "org/apache/arrow/memory/unsafe/UnsafeAllocationManager.class",
            // Orca's default logging, which applies where the application has none
            "META-INF/org/apache/logging/log4j/core/config/plugins/Log4j2Plugins.dat")) {
      assertTrue(entries.contains(entry), entry + " is missing from " + jarPath);
    }
    try (JarFile jar = new JarFile(jarPath.toFile())) {
      assertEquals(
          "dev.orca.examples.DigitsExample",
          jar.getManifest().getMainAttributes().getValue("Main-Class"));
    }
    long bytes = Files.size(jarPath);
    long mkl = compressedBytesUnder("org/bytedeco/mkl/");
    System.out.printf(
        "%s: %.1f MB, of which MKL's native libraries %.1f MB%n",
        jarPath.getFileName(), bytes / 1e6, mkl / 1e6);
  }

  @Test
  void leavesOutWhatIsNotNeededToRunOnLinux() {
    for (String entry : entries) {
      assertFalse(entry.startsWith("native/darwin/"), "macOS native library: " + entry);
      assertFalse(entry.startsWith("org/bytedeco/mkl/linux-x86_64/include/"), "header: " + entry);
      // a logging configuration in the jar would replace the application's or the cluster's
      assertFalse(entry.matches("log4j2?(-test)?[^/]*\\.(xml|properties|json|yaml|yml)"), entry);
    }
  }

  @Test
  void holdsNoClassThatSparkBrings() throws IOException {
    Map<String, String> sparkClasses = new HashMap<>();
    for (Path jar : AssemblyJar.sparkJars()) {
      try (JarFile j = new JarFile(jar.toFile())) {
        j.stream()
            .map(ZipEntry::getName)
            .filter(AssemblyContentsTest::isClass)
            .forEach(n -> sparkClasses.putIfAbsent(n, jar.getFileName().toString()));
      }
    }
    assertTrue(sparkClasses.size() > 10_000, "spark-home's jars: " + sparkClasses.size());
    Map<String, String> both = new TreeMap<>();
    entries.stream()
        .filter(AssemblyContentsTest::isClass)
        .filter(sparkClasses::containsKey)
        .forEach(n -> both.put(n, sparkClasses.get(n)));
    assertTrue(
        both.isEmpty(),
        both.size()
            + " classes of the assembly come with Spark too; exclude their artifact in"
            + " orca-assembly/pom.xml. The first: "
            + both.entrySet().stream().limit(20).toList());
  }

  private static boolean isClass(String name) {
    return name.endsWith(".class")
        && !name.endsWith("module-info.class")
        && !name.startsWith("META-INF/");
  }

  private static long compressedBytesUnder(String prefix) throws IOException {
    try (JarFile jar = new JarFile(jarPath.toFile())) {
      return jar.stream()
          .filter(e -> e.getName().startsWith(prefix))
          .mapToLong(ZipEntry::getCompressedSize)
          .sum();
    }
  }
}
