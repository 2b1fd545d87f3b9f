package dev.orca.testing;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A program run in a JVM of its own, for tests of what happens at a JVM's start (flags it lacks,
 * the logging it finds): by default with this test JVM's classpath and nothing else, so neither the
 * JVM flags nor the test logging configuration of the build carry over. Its output goes to files,
 * read when it has ended; a run that outlives its timeout is killed and fails the test. Test
 * support for every module (the orca-common test-jar).
 */
public final class ForkedJvm {
  private final String mainClass;
  private final List<String> jvmOptions = new ArrayList<>();
  private final List<String> args = new ArrayList<>();
  private String classpath = System.getProperty("java.class.path");
  private Path workDir;
  private Duration timeout = Duration.ofMinutes(3);

  private ForkedJvm(String mainClass) {
    this.mainClass = mainClass;
  }

  /** A JVM that runs the {@code main} of {@code mainClass}. */
  public static ForkedJvm of(Class<?> mainClass) {
    return new ForkedJvm(mainClass.getName());
  }

  public static ForkedJvm of(String mainClass) {
    return new ForkedJvm(mainClass);
  }

  public ForkedJvm jvmOptions(List<String> options) {
    jvmOptions.addAll(options);
    return this;
  }

  public ForkedJvm jvmOptions(String... options) {
    return jvmOptions(Arrays.asList(options));
  }

  public ForkedJvm args(String... arguments) {
    args.addAll(Arrays.asList(arguments));
    return this;
  }

  /** This test JVM's classpath without the entries {@code drop} accepts. */
  public ForkedJvm classpathWithout(Predicate<String> drop) {
    classpath =
        Arrays.stream(classpath.split(File.pathSeparator))
            .filter(e -> !e.isEmpty() && !drop.test(e))
            .collect(Collectors.joining(File.pathSeparator));
    return this;
  }

  /** Adds an entry at the end of the classpath. */
  public ForkedJvm classpathAppend(Path entry) {
    classpath = classpath + File.pathSeparator + entry.toAbsolutePath();
    return this;
  }

  public ForkedJvm timeout(Duration limit) {
    timeout = limit;
    return this;
  }

  /** The working directory of the JVM, where its stdout and stderr files are kept too. */
  public ForkedJvm workDir(Path dir) {
    workDir = dir;
    return this;
  }

  /** Runs the JVM to its end. */
  public Result run() throws IOException, InterruptedException {
    Path dir = workDir != null ? workDir : Files.createTempDirectory("orca-forked-jvm");
    Files.createDirectories(dir);
    Path out = dir.resolve("forked-jvm.stdout");
    Path err = dir.resolve("forked-jvm.stderr");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(classpath);
    command.add(mainClass);
    command.addAll(args);
    Process p =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly().waitFor();
      throw new AssertionError(
          "the forked JVM running "
              + mainClass
              + " did not end within "
              + timeout
              + "; its output so far:\n"
              + Files.readString(out, StandardCharsets.UTF_8)
              + Files.readString(err, StandardCharsets.UTF_8));
    }
    return new Result(
        p.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  /** How the JVM ended and what it wrote. */
  public record Result(int exitCode, String stdout, String stderr) {
    public List<String> stdoutLines() {
      return stdout.isEmpty() ? List.of() : List.of(stdout.split("\n"));
    }

    public List<String> stderrLines() {
      return stderr.isEmpty() ? List.of() : List.of(stderr.split("\n"));
    }

    /** Both streams, for failure messages. */
    public String output() {
      return "exit code " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
    }
  }
}
