package dev.orca.assembly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/orca-submit runs the application jar's Digits example (small) through Spark's own launcher
 * and SparkSubmit, with no Spark distribution: in the driver's JVM ({@code local[2]}), and with two
 * executor JVMs ({@code local-cluster}), each started with Orca's JVM flags.
 */
class OrcaSubmitTest {
  private static final Pattern LOG_LINE =
      Pattern.compile("^\\d\\d:\\d\\d:\\d\\d (TRACE|DEBUG|INFO |WARN |ERROR|FATAL) +(\\S+): ");

  @Test
  void runsTheDigitsExampleInTheDriver(@TempDir Path dir) throws Exception {
    Run r = submit(dir, "local[2]");
    assertTrue(
        r.err.contains("OrcaContext started: spark-submit (master local[2], deploy mode client)"),
        "the example did not run in spark-submit's master:\n" + r);
    assertTrue(r.out.contains("Training on 1442 rows with 2 workers"), r.toString());
  }

  @Test
  void runsTheDigitsExampleOnTwoExecutorJvms(@TempDir Path dir) throws Exception {
    long startedMillis = System.currentTimeMillis();
    Run r = submit(dir, "local-cluster[2,1,1024]");
    assertTrue(
        r.err.contains(
            "OrcaContext started: spark-submit (master local-cluster[2,1,1024], deploy mode client)"),
        r.toString());
    // a worker per executor, each with the core it has
    assertTrue(
        r.out.contains("Training on 1442 rows with 2 workers (spark backend, 1 cores each)"),
        r.toString());
    // the executors keep their command line in the SPARK_HOME bin/orca-submit made, with a copy
    // of the 200 MB application jar each: removed once read
    List<Path> applications = applicationsSince(startedMillis);
    try {
      List<Path> executorLogs = new ArrayList<>();
      for (Path app : applications) {
        try (Stream<Path> executors = Files.list(app)) {
          executors
              .map(e -> e.resolve("stderr"))
              .filter(Files::isRegularFile)
              .forEach(executorLogs::add);
        }
      }
      assertEquals(2, executorLogs.size(), "executor logs: " + executorLogs);
      Set<String> flags = Set.of(orcaRun("--print-jvm-options").trim().split(" "));
      for (Path log : executorLogs) {
        String text = Files.readString(log, StandardCharsets.UTF_8);
        String command =
            text.lines()
                .filter(l -> l.startsWith("Spark Executor Command:"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no executor command in " + log));
        for (String flag : flags) {
          assertTrue(command.contains("\"" + flag + "\""), flag + " missing from " + command);
        }
        assertTrue(text.contains("INFO  Engine: nn-engine computes with Intel(R)"), text);
      }
    } finally {
      for (Path app : applications) {
        deleteTree(app);
      }
    }
  }

  @Test
  void theFlagsGoBeforeTheUsersOwnOptionsAndAreNotRepeated(@TempDir Path dir) throws Exception {
    List<String> flags = List.of(orcaRun("--print-jvm-options").trim().split(" "));
    String first = flags.get(0);
    // SPARK_PRINT_LAUNCH_COMMAND: Spark's launcher shows the driver's command line on stderr
    Path err = dir.resolve("stderr");
    ProcessBuilder pb =
        new ProcessBuilder(
                AssemblyJar.root().resolve("bin/orca-submit").toString(),
                "--conf",
                "spark.driver.defaultJavaOptions=-Dmine=1 " + first,
                "--driver-java-options",
                "-Dextra=2",
                "--version")
            .directory(dir.toFile())
            .redirectOutput(dir.resolve("stdout").toFile())
            .redirectError(err.toFile());
    pb.environment().put("ORCA_SKIP_BUILD", "1");
    pb.environment().put("SPARK_PRINT_LAUNCH_COMMAND", "1");
    Process p = pb.start();
    assertTrue(p.waitFor(2, TimeUnit.MINUTES), "bin/orca-submit --version did not end");
    String launched = Files.readString(err);
    String command =
        launched
            .lines()
            .filter(l -> l.startsWith("Spark Command:"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no launch command: " + launched));
    // the driver's JVM options: the user's default options, then the flags, then the user's
    // extra options; up to SparkSubmit's class, after which come its arguments
    List<String> jvm =
        List.of(
            command
                .substring(0, command.indexOf(" org.apache.spark.deploy.SparkSubmit "))
                .split(" "));
    int mine = jvm.indexOf("-Dmine=1");
    int extra = jvm.indexOf("-Dextra=2");
    assertTrue(mine >= 0 && extra > mine, command);
    for (String flag : flags) {
      int at = jvm.indexOf(flag);
      assertTrue(
          at > mine && at < extra || flag.equals(first) && at == mine + 1, flag + ": " + jvm);
    }
    // the executors' options are Orca's flags (Spark's own launcher adds its module options to
    // the driver's line as well, so count the flag only within Orca's options)
    assertTrue(
        command.contains(" spark.executor.defaultJavaOptions=" + String.join(" ", flags) + " "),
        command);
    assertTrue(
        command.contains(" spark.driver.defaultJavaOptions=-Dmine=1 " + String.join(" ", flags)),
        "the flag given once is not repeated: " + command);
  }

  /** Runs the example through bin/orca-submit and checks what every run must show. */
  private static Run submit(Path dir, String master) throws Exception {
    long processesBefore = ProcessHandle.current().descendants().count();
    List<String> command =
        List.of(
            AssemblyJar.root().resolve("bin/orca-submit").toString(),
            "--master",
            master,
            "--class",
            "dev.orca.examples.DigitsExample",
            AssemblyJar.path().toString(),
            // no --cluster-mode: the example's OrcaContext.init() finds spark-submit's settings
            "--epochs",
            "2",
            "--cnn-epochs",
            "1",
            "--out",
            dir.resolve("out").toString());
    Path out = dir.resolve("stdout");
    Path err = dir.resolve("stderr");
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().put("ORCA_SKIP_BUILD", "1"); // the reactor built it
    Process p = pb.start();
    if (!p.waitFor(8, TimeUnit.MINUTES)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly().waitFor();
      throw new AssertionError("bin/orca-submit did not end within 8 minutes: " + read(out, err));
    }
    Run r = new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    assertEquals(0, r.exitCode, r.toString());
    assertTrue(r.out.contains("\nRESULT digits test accuracy MLP="), r.toString());
    // quiet: what Spark logs below WARN stays out; Orca's INFO lines come from Orca's classes
    Set<String> orca = orcaClassNames();
    for (String line : r.err.split("\n")) {
      Matcher m = LOG_LINE.matcher(line);
      if (m.find() && m.group(1).startsWith("INFO")) {
        assertTrue(orca.contains(m.group(2)), "an INFO line not of Orca's: " + line);
      }
    }
    assertEquals(
        processesBefore,
        ProcessHandle.current().descendants().count(),
        "processes left after bin/orca-submit ended");
    return r;
  }

  /** The folders of the applications started since then, in SPARK_HOME/work. */
  private static List<Path> applicationsSince(long millis) throws IOException {
    Path work = AssemblyJar.root().resolve("spark-home/target/spark-home/work");
    try (Stream<Path> apps = Files.list(work)) {
      return apps.filter(a -> a.toFile().lastModified() >= millis - 1000)
          .sorted(Comparator.naturalOrder())
          .toList();
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
  }

  private static Set<String> orcaClassNames() throws IOException {
    try (JarFile jar = new JarFile(AssemblyJar.path().toFile())) {
      return jar.stream()
          .map(e -> e.getName())
          .filter(n -> n.startsWith("dev/orca/") && n.endsWith(".class") && !n.contains("$"))
          .map(n -> n.substring(n.lastIndexOf('/') + 1, n.length() - ".class".length()))
          .collect(Collectors.toSet());
    }
  }

  private static String orcaRun(String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(AssemblyJar.root().resolve("bin/orca-run").toString());
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "bin/orca-run " + List.of(args));
    return out;
  }

  private static String read(Path out, Path err) throws IOException {
    return "\n--- stdout\n" + Files.readString(out) + "--- stderr\n" + Files.readString(err);
  }

  private record Run(int exitCode, String out, String err) {
    @Override
    public String toString() {
      return "exit code " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }
}
