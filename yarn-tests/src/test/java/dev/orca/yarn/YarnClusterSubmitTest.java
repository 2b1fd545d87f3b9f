package dev.orca.yarn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.common.JvmOptions;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.yarn.api.records.ApplicationId;
import org.apache.hadoop.yarn.api.records.ApplicationReport;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * yarn-cluster through bin/orca-submit: the Digits example from the application jar, its driver in
 * YARN's ApplicationMaster, two executors in containers. The program is the one users run locally,
 * unchanged: it starts its context with {@code OrcaContext.init()}, which takes spark-submit's
 * settings.
 */
@ExtendWith(MiniYarnExtension.class)
class YarnClusterSubmitTest {
  private static MiniYarn yarn;

  @BeforeAll
  static void cluster(MiniYarn cluster) {
    yarn = cluster;
  }

  @Test
  void theDigitsExampleSucceedsWithItsDriverInTheApplicationMaster(@TempDir Path dir)
      throws Exception {
    Leftovers before = Leftovers.before();
    Set<ApplicationId> earlier =
        yarn.applications().stream()
            .map(ApplicationReport::getApplicationId)
            .collect(Collectors.toSet());
    Path root = Path.of("").toAbsolutePath().getParent();
    Path sparkJars = root.resolve("spark-home/target/spark-home/jars");
    List<String> command =
        List.of(
            root.resolve("bin/orca-submit").toString(),
            "--master",
            "yarn",
            "--deploy-mode",
            "cluster",
            "--class",
            "dev.orca.examples.DigitsExample",
            "--num-executors",
            "2",
            "--executor-cores",
            "1",
            "--executor-memory",
            "512m",
            "--driver-memory",
            "768m",
            // Spark as installed on every node (bin/orca-submit's SPARK_HOME, on this machine),
            // as clusters usually have it, instead of a 300 MB upload per application
            "--conf",
            "spark.yarn.jars=local:" + sparkJars + "/*",
            "--conf",
            "spark.yarn.scheduler.heartbeat.interval-ms=500",
            assemblyJar(root).toString(),
            "--epochs",
            "2",
            "--cnn-epochs",
            "1",
            "--out",
            dir.resolve("out").toString());
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectOutput(dir.resolve("submit.out").toFile())
            .redirectError(dir.resolve("submit.err").toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().put("HADOOP_CONF_DIR", yarn.clientConfDir().toString());
    pb.environment().put("ORCA_SKIP_BUILD", "1"); // the reactor built the jar
    Process submit = pb.start();

    // While it runs: the containers' processes and log files, which YARN removes once the
    // application is over (the logs are kept as hard links in the test's folder)
    Path logs = Files.createDirectories(dir.resolve("container-logs"));
    ApplicationId app = null;
    Map<Long, String[]> processes = new LinkedHashMap<>(); // pid -> command line, environment
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(8);
    while (submit.isAlive() && System.nanoTime() < deadline) {
      if (app == null) {
        app =
            yarn.applications().stream()
                .map(ApplicationReport::getApplicationId)
                .filter(id -> !earlier.contains(id))
                .findFirst()
                .orElse(null);
      }
      if (app != null) {
        keepLogs(app, logs);
        recordContainerProcesses(app, processes);
      }
      submit.waitFor(200, TimeUnit.MILLISECONDS);
    }
    if (submit.isAlive()) {
      submit.descendants().forEach(ProcessHandle::destroyForcibly);
      submit.destroyForcibly().waitFor();
      throw new AssertionError("bin/orca-submit did not end within 8 minutes" + output(dir));
    }
    assertEquals(0, submit.exitValue(), "bin/orca-submit failed" + output(dir));
    assertTrue(app != null, "no application was submitted" + output(dir));

    ApplicationReport report = yarn.report(app);
    assertEquals(
        FinalApplicationStatus.SUCCEEDED,
        report.getFinalApplicationStatus(),
        report.getDiagnostics() + output(dir));

    // the driver's output is the ApplicationMaster's container log (container 1 of attempt 1)
    Path am = logs.resolve(amContainer(app)).resolve("stdout");
    String driverOut = Files.readString(am, StandardCharsets.UTF_8);
    String result =
        driverOut
            .lines()
            .filter(l -> l.startsWith("RESULT digits test accuracy MLP="))
            .findFirst()
            .orElseThrow(
                () -> new AssertionError("no RESULT line in the driver's output:\n" + driverOut));
    double mlp = Double.parseDouble(result.replaceAll(".*MLP=([0-9.]+).*", "$1"));
    assertTrue(mlp > 0.8, "2 epochs of the MLP learn the digits: " + result);
    String driverErr =
        Files.readString(logs.resolve(amContainer(app)).resolve("stderr"), StandardCharsets.UTF_8);
    assertTrue(
        driverErr.contains("OrcaContext started: spark-submit (master yarn, deploy mode cluster)"),
        "OrcaContext.init() took spark-submit's settings:\n" + driverErr);

    // every JVM of the application had Orca's flags and environment: the ApplicationMaster (the
    // driver) and the two executors
    String malloc =
        "MALLOC_MMAP_THRESHOLD_=" + JvmOptions.environment().get("MALLOC_MMAP_THRESHOLD_");
    List<String[]> ams =
        processes.values().stream()
            .filter(p -> p[0].contains("org.apache.spark.deploy.yarn.ApplicationMaster"))
            .toList();
    List<String[]> executors =
        processes.values().stream()
            .filter(p -> p[0].contains("YarnCoarseGrainedExecutorBackend"))
            .toList();
    assertEquals(1, ams.size(), "the ApplicationMaster: " + describe(processes));
    assertEquals(2, executors.size(), "two executors: " + describe(processes));
    for (String[] p : Stream.concat(ams.stream(), executors.stream()).toList()) {
      for (String flag : JvmOptions.required()) {
        assertTrue(p[0].contains(flag), flag + " missing from " + p[0]);
      }
      assertTrue(p[1].contains(malloc), malloc + " missing from the environment of " + p[0]);
    }

    before.assertNothingLeft(yarn, processes.keySet(), Duration.ofSeconds(60));
  }

  /** Hard links to each container log file of {@code app} that is not linked yet. */
  private static void keepLogs(ApplicationId app, Path into) throws IOException {
    for (Map.Entry<String, Map<String, Path>> c : yarn.containerLogs(app).entrySet()) {
      Path dir = Files.createDirectories(into.resolve(c.getKey()));
      for (Map.Entry<String, Path> f : c.getValue().entrySet()) {
        Path link = dir.resolve(f.getKey());
        if (!Files.exists(link)) {
          try {
            Files.createLink(link, f.getValue());
          } catch (IOException e) {
            // removed meanwhile: its container ended before it was seen
          }
        }
      }
    }
  }

  /** The command line and environment of each live process of one of {@code app}'s containers. */
  private static void recordContainerProcesses(ApplicationId app, Map<Long, String[]> into) {
    String prefix =
        "CONTAINER_ID=container_"
            + app.getClusterTimestamp()
            + "_"
            + String.format("%04d", app.getId())
            + "_";
    Set<Long> pids = new HashSet<>(Leftovers.descendants());
    for (long pid : pids) {
      if (into.containsKey(pid)) {
        continue;
      }
      List<String> env = Leftovers.environment(pid);
      String cmd = Leftovers.commandLine(pid);
      // a JVM starting a program forks a copy of itself that has its command line and
      // environment until it executes the program: that copy is not a second JVM
      boolean forking =
          ProcessHandle.of(pid)
              .flatMap(ProcessHandle::parent)
              .map(parent -> Leftovers.commandLine(parent.pid()).equals(cmd))
              .orElse(false);
      if (forking) {
        continue;
      }
      if (cmd.startsWith(System.getProperty("java.home"))
          && env.stream().anyMatch(v -> v.startsWith(prefix))) {
        into.put(pid, new String[] {cmd, String.join("\n", env)});
      }
    }
  }

  /** Each process seen: its pid, container and command line (without the long classpath). */
  private static String describe(Map<Long, String[]> processes) {
    StringBuilder b = new StringBuilder();
    processes.forEach(
        (pid, p) ->
            b.append("\n  ")
                .append(pid)
                .append(' ')
                .append(
                    p[1].lines()
                        .filter(v -> v.startsWith("CONTAINER_ID="))
                        .findFirst()
                        .orElse("no container"))
                .append(' ')
                .append(p[0].replaceAll(" -cp \\S+| -classpath \\S+| --add-opens=\\S+", "")));
    return b.toString();
  }

  private static String amContainer(ApplicationId app) {
    return "container_"
        + app.getClusterTimestamp()
        + "_"
        + String.format("%04d", app.getId())
        + "_01_000001";
  }

  private static Path assemblyJar(Path root) throws IOException {
    try (Stream<Path> files = Files.list(root.resolve("orca-assembly/target"))) {
      List<Path> jars =
          files.filter(p -> p.getFileName().toString().matches("orca-assembly-.*\\.jar")).toList();
      if (jars.size() != 1) {
        throw new AssertionError(
            "expected the application jar in orca-assembly/target (mvn -pl yarn-tests -am"
                + " verify builds it first), found "
                + jars);
      }
      return jars.get(0);
    }
  }

  private static String output(Path dir) throws IOException {
    return "\n--- bin/orca-submit stdout\n"
        + Files.readString(dir.resolve("submit.out"))
        + "--- stderr\n"
        + Files.readString(dir.resolve("submit.err"));
  }
}
