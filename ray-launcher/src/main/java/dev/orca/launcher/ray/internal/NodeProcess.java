package dev.orca.launcher.ray.internal;

import dev.orca.launcher.LauncherException;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A long-running program (a Ray node) started in a process group of its own, with a watchdog
 * process beside it that kills the whole group when the JVM that started it dies (an executor lost
 * to an OOM or a {@code kill -9} never runs its shutdown hooks). {@link #stop} ends the group:
 * SIGTERM, a grace period, then SIGKILL.
 */
public final class NodeProcess implements AutoCloseable {
  // Polls once a second while the JVM and the node live. The node counts as alive while its
  // leader or any member of its group runs: just after start, setsid may not have made the group
  // yet. POSIX sh (dash): a negative pid is a process group, and its kill builtin takes no "--".
  private static final String WATCHDOG =
      "jvm=$1; pg=$2; grace=$3\n"
          + "alive() { kill -0 \"-$pg\" 2>/dev/null || kill -0 \"$pg\" 2>/dev/null; }\n"
          + "while kill -0 \"$jvm\" 2>/dev/null && alive; do sleep 1; done\n"
          + "if alive; then\n"
          + "  kill -TERM \"-$pg\" 2>/dev/null; kill -TERM \"$pg\" 2>/dev/null; sleep \"$grace\"\n"
          + "  kill -KILL \"-$pg\" 2>/dev/null; kill -KILL \"$pg\" 2>/dev/null\n"
          + "fi\n";

  private final Process process;
  private final Process watchdog;
  private final Path log;

  private NodeProcess(Process process, Process watchdog, Path log) {
    this.process = process;
    this.watchdog = watchdog;
    this.log = log;
  }

  /**
   * Starts {@code command} as the leader of a new process group (through {@code setsid}), its
   * output going to {@code log}, and its watchdog.
   */
  public static NodeProcess start(List<String> command, Path log, Duration grace) {
    String setsid = locateSetsid();
    List<String> grouped = new ArrayList<>();
    grouped.add(setsid);
    grouped.addAll(command);
    Process process;
    try {
      Files.createDirectories(log.toAbsolutePath().getParent());
      process =
          new ProcessBuilder(grouped)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .start();
    } catch (IOException e) {
      throw new LauncherException(
          "cannot start " + String.join(" ", command) + ": " + e.getMessage(), e);
    }
    Process watchdog;
    try {
      watchdog =
          new ProcessBuilder(
                  setsid,
                  "sh",
                  "-c",
                  WATCHDOG,
                  "orca-ray-watchdog",
                  Long.toString(ProcessHandle.current().pid()),
                  Long.toString(process.pid()),
                  Long.toString(Math.max(1, grace.toSeconds())))
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .start();
    } catch (IOException e) {
      killGroup(process.pid(), "KILL");
      throw new LauncherException(
          "cannot start the watchdog of " + command.get(0) + ": " + e.getMessage(), e);
    }
    return new NodeProcess(process, watchdog, log);
  }

  /** The process id of the program, which is also its process group id. */
  public long pid() {
    return process.pid();
  }

  public long watchdogPid() {
    return watchdog.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** The exit code, once the program has ended. */
  public int exitValue() {
    return process.exitValue();
  }

  /** The last lines of the program's output, for error messages. */
  public String tail(int lines) {
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no output: " + e.getMessage() + ")";
    }
  }

  /** Ends the whole process group: SIGTERM, up to {@code grace}, then SIGKILL. Idempotent. */
  public void stop(Duration grace) {
    List<ProcessHandle> members = new ArrayList<>();
    process.descendants().forEach(members::add);
    killGroup(process.pid(), "TERM");
    long deadline = System.nanoTime() + grace.toNanos();
    try {
      process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
      for (ProcessHandle member : members) {
        long left = Math.max(0, deadline - System.nanoTime());
        member.onExit().get(left, TimeUnit.NANOSECONDS);
      }
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
    }
    killGroup(process.pid(), "KILL");
    members.forEach(ProcessHandle::destroyForcibly); // children that left the group
    process.destroyForcibly();
    watchdog.destroyForcibly();
    try {
      process.waitFor(5, TimeUnit.SECONDS);
      watchdog.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stop(Duration.ofSeconds(5));
  }

  private static void killGroup(long pgid, String signal) {
    try {
      new ProcessBuilder("kill", "-" + signal, "--", "-" + pgid)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start()
          .waitFor(5, TimeUnit.SECONDS);
    } catch (IOException e) {
      // no kill program: destroyForcibly below still ends the leader
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String locateSetsid() {
    for (String dir : List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin")) {
      if (new File(dir, "setsid").canExecute()) {
        return dir + "/setsid";
      }
    }
    throw new LauncherException(
        "The program 'setsid' (util-linux) is missing on this node: Orca"
            + " starts each Ray node in a process group of its own so that it can stop all of it."
            + " Install util-linux on the cluster nodes.");
  }
}
