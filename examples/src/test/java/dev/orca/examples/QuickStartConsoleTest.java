package dev.orca.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.common.JvmOptions;
import dev.orca.testing.ForkedJvm;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The quick start's console, as a new user sees it: run as {@code bin/orca-run} runs it (its own
 * JVM, the project's classpath and JVM flags, no logging configuration), at reduced size. stdout is
 * its progress and results; stderr has Orca's INFO lines and warnings, and not one INFO line of
 * Spark's or Ray's.
 */
class QuickStartConsoleTest {
  private static final Pattern LOG_LINE =
      Pattern.compile("^\\d\\d:\\d\\d:\\d\\d (TRACE|DEBUG|INFO |WARN |ERROR|FATAL) +(\\S+): ");

  @Test
  void theConsoleIsProgressAndResults(@TempDir Path dir) throws Exception {
    ForkedJvm jvm =
        ForkedJvm.of(DigitsExample.class)
            .jvmOptions(JvmOptions.required())
            .jvmOptions("-Xmx1g")
            // the program's classpath, as bin/orca-run has it: no test classes, no test logging
            .classpathWithout(e -> e.endsWith("test-classes") || e.endsWith("-tests.jar"))
            .args("--epochs", "2", "--cnn-epochs", "1", "--out", dir.resolve("out").toString())
            .workDir(dir);
    ForkedJvm.Result r = jvm.run();
    assertEquals(0, r.exitCode(), r.output());

    List<String> out = r.stdoutLines();
    assertTrue(out.get(out.size() - 1).startsWith("RESULT digits test accuracy MLP="), r.output());
    // between epochs, a progress line a second at most: how many depends on the machine's speed
    long fixed = out.stream().filter(l -> !l.startsWith("  epoch ")).count();
    // 1 data line; per model 19 (MLP) or 23 (CNN) lines of summary, engine, fit, the gradient
    // transport, evaluate, predict and reload, plus one per epoch; the RESULT line
    assertEquals(1 + (19 + 2) + (23 + 1) + 1, fixed, r.stdout());

    Set<String> orcaClasses = orcaClassNames();
    for (String line : r.stderrLines()) {
      Matcher m = LOG_LINE.matcher(line);
      boolean logLine = m.find();
      if (logLine && !m.group(1).startsWith("WARN") && !m.group(1).equals("ERROR")) {
        assertTrue(
            orcaClasses.contains(m.group(2)), "an INFO line not of Orca's: " + line + "\n" + r);
      }
      assertTrue(logLine || !line.contains(" INFO "), "INFO output not through Orca's: " + line);
    }
    System.out.printf(
        "quick start console at --epochs 2 --cnn-epochs 1: %d lines on stdout, %d on stderr%n",
        out.size(), r.stderrLines().size());
  }

  /** The simple names of the classes of the packages dev.orca.* on this JVM's classpath. */
  private static Set<String> orcaClassNames() throws IOException {
    Set<String> names = new HashSet<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path p = Path.of(entry);
      if (Files.isDirectory(p.resolve("dev/orca"))) {
        try (Stream<Path> files = Files.walk(p.resolve("dev/orca"))) {
          files.map(f -> f.getFileName().toString()).forEach(n -> addClass(names, n));
        }
      } else if (entry.endsWith(".jar") && Files.isRegularFile(p)) {
        try (JarFile jar = new JarFile(p.toFile())) {
          jar.stream()
              .map(e -> e.getName())
              .filter(n -> n.startsWith("dev/orca/"))
              .forEach(n -> addClass(names, n.substring(n.lastIndexOf('/') + 1)));
        }
      }
    }
    return names;
  }

  private static void addClass(Set<String> names, String fileName) {
    if (fileName.endsWith(".class") && !fileName.contains("$")) {
      names.add(fileName.substring(0, fileName.length() - ".class".length()));
    }
  }
}
