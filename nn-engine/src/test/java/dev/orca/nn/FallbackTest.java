package dev.orca.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.ReLU;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Without MKL's native jars (a platform MKL does not ship for) the engine falls back to pure Java,
 * says why, and computes the same. Runs a second JVM, since MKL loads once per process.
 */
class FallbackTest {
  @Test
  void withoutOneDnnNativesTheEngineKeepsItsOwnKernelsAndSaysWhy() throws Exception {
    String out =
        runWithout(
            entry ->
                (entry.contains("dnnl-") || entry.contains("opencl-"))
                    && entry.contains("linux-x86_64"));
    assertTrue(out.contains("oneDNN did not load"), out);
    String last = out.trim().substring(out.trim().lastIndexOf('\n') + 1);
    String[] f = last.split(" ");
    assertEquals("MKL", f[0], out);
    assertEquals("false", f[4], "no oneDNN: " + out);
    try (Model conv = FallbackMain.convolution(Engine.create(2));
        Tensor image = FallbackMain.image();
        Tensor c = conv.predict(image)) {
      assertTrue(conv.engine().dnnl(), "this JVM has oneDNN");
      assertEquals(c.get(5), Float.parseFloat(f[3]), 1e-5f, "oneDNN and the fallback agree");
    }
  }

  /** The output of {@link FallbackMain} in a JVM whose class path lacks the entries given. */
  private static String runWithout(java.util.function.Predicate<String> left) throws Exception {
    String classpath =
        Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
            .filter(left.negate())
            .collect(Collectors.joining(File.pathSeparator));
    java.nio.file.Path cache = java.nio.file.Files.createTempDirectory("javacpp-cache");
    List<String> command =
        List.of(
            System.getProperty("java.home") + "/bin/java",
            "-cp",
            classpath,
            "-Dorg.bytedeco.javacpp.cachedir=" + cache,
            "-Dlog4j2.configurationFile=" + System.getProperty("log4j2.configurationFile"),
            FallbackMain.class.getName());
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the fallback JVM did not finish in 120 s");
      assertEquals(0, p.exitValue(), out + " from " + command);
      return out;
    } finally {
      p.destroyForcibly();
      try (Stream<java.nio.file.Path> files = java.nio.file.Files.walk(cache)) {
        files
            .sorted(java.util.Comparator.reverseOrder())
            .map(java.nio.file.Path::toFile)
            .forEach(File::delete);
      }
    }
  }

  @Test
  void withoutMklNativesTheEnginePicksPureJavaAndSaysWhy() throws Exception {
    String classpath =
        Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
            .filter(entry -> !(entry.contains("mkl-") && entry.contains("linux-x86_64")))
            .collect(Collectors.joining(File.pathSeparator));
    // A fresh JavaCPP cache: the shared one may hold MKL libraries extracted by other runs.
    java.nio.file.Path cache = java.nio.file.Files.createTempDirectory("javacpp-cache");
    List<String> command =
        new ArrayList<>(
            List.of(
                System.getProperty("java.home") + "/bin/java",
                "-cp",
                classpath,
                "-Dorg.bytedeco.javacpp.cachedir=" + cache,
                "-Dlog4j2.configurationFile=" + System.getProperty("log4j2.configurationFile"),
                FallbackMain.class.getName()));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the fallback JVM did not finish in 120 s");
      assertEquals(0, p.exitValue(), out + " from " + command);
      assertTrue(out.contains("pure-Java BLAS") && out.contains("MKL did not load"), out);
      String last = out.trim().substring(out.trim().lastIndexOf('\n') + 1);
      String[] f = last.split(" ");
      assertEquals("JAVA", f[0], out);
      try (Model m =
              new Sequential(3)
                  .add(new Dense(4))
                  .add(new ReLU())
                  .add(new Dense(2))
                  .optSeed(1)
                  .optEngine(Engine.of(Engine.Backend.MKL, 2))
                  .build();
          Tensor x = Tensor.of(new float[] {1, 2, 3}, 1, 3);
          Tensor y = m.predict(x)) {
        assertEquals(y.get(0), Float.parseFloat(f[1]), 1e-5f);
        assertEquals(y.get(1), Float.parseFloat(f[2]), 1e-5f);
      }
    } finally {
      p.destroyForcibly();
      try (Stream<java.nio.file.Path> files = java.nio.file.Files.walk(cache)) {
        files
            .sorted(java.util.Comparator.reverseOrder())
            .map(java.nio.file.Path::toFile)
            .forEach(File::delete);
      }
    }
  }
}
