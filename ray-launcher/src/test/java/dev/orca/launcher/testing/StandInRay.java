package dev.orca.launcher.testing;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A stand-in for Ray's {@code ray} program, for tests on machines where Ray cannot be installed.
 * Like {@code ray start --block} it stays in the foreground until it is killed; as the head ({@code
 * --head --port=P}) it listens on P like the GCS; and it starts one child process (as a raylet
 * would) so that tests can check the whole process group ends. Each run writes a record of its
 * arguments and process ids into the folder of the script.
 *
 * <p>An argument {@code --stand-in-exit=N} makes it exit at once with code N, to play a node that
 * fails to start.
 */
public final class StandInRay {
  private StandInRay() {}

  /** Writes an executable {@code ray} script into {@code dir} that runs this class. */
  public static Path install(Path dir) throws IOException {
    Files.createDirectories(dir);
    Path script = dir.resolve("ray");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Files.writeString(
        script,
        "#!/bin/sh\nexec "
            + java
            + " -Xmx64m -cp '"
            + System.getProperty("java.class.path")
            + "' "
            + StandInRay.class.getName()
            + " '"
            + dir
            + "' \"$@\"\n",
        StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script;
  }

  /**
   * The records of at least {@code n} runs, waiting up to {@code timeout} for them: a stand-in
   * writes its record once its JVM is up, a moment after the launcher saw its process start. Fewer
   * than {@code n} after the timeout are returned as they are, for the caller's assertion to name.
   */
  public static List<Record> awaitRecords(Path dir, int n, java.time.Duration timeout)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<Record> runs = records(dir);
    while (runs.size() < n && System.nanoTime() < deadline) {
      Thread.sleep(100);
      runs = records(dir);
    }
    return runs;
  }

  /** The records of all runs so far, one per started node. */
  public static List<Record> records(Path dir) throws IOException {
    List<Record> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f :
          files.filter(p -> p.getFileName().toString().startsWith("run-")).sorted().toList()) {
        List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
        if (lines.size() >= 4) {
          out.add(
              new Record(
                  Long.parseLong(lines.get(0)),
                  Long.parseLong(lines.get(1)),
                  Long.parseLong(lines.get(2)),
                  List.of(lines.get(3).split("\t"))));
        }
      }
    }
    return out;
  }

  /**
   * One run: the stand-in's own pid, its child's pid, when it started (epoch millis) and its
   * arguments after {@code ray}.
   */
  public record Record(long pid, long childPid, long startedMillis, List<String> args) {
    public boolean isHead() {
      return args.contains("--head");
    }

    /** The value of {@code --name=value}, or null. */
    public String option(String name) {
      for (String a : args) {
        if (a.startsWith(name + "=")) {
          return a.substring(name.length() + 1);
        }
      }
      return null;
    }
  }

  public static void main(String[] argv) throws Exception {
    Path dir = Path.of(argv[0]);
    List<String> args = List.of(argv).subList(1, argv.length);
    long started = System.currentTimeMillis();
    String exit = null;
    String port = null;
    String host = "127.0.0.1";
    for (String a : args) {
      if (a.startsWith("--stand-in-exit=")) {
        exit = a.substring("--stand-in-exit=".length());
      } else if (a.startsWith("--port=")) {
        port = a.substring("--port=".length());
      } else if (a.startsWith("--node-ip-address=")) {
        host = a.substring("--node-ip-address=".length());
      }
    }
    ServerSocket gcs = null;
    if (exit == null && args.contains("--head") && port != null) {
      gcs = new ServerSocket();
      gcs.bind(new InetSocketAddress(InetAddress.getByName(host), Integer.parseInt(port)));
    }
    Process child =
        exit == null
            ? new ProcessBuilder("sleep", "600")
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start()
            : null;
    long pid = ProcessHandle.current().pid();
    Path record = dir.resolve("run-" + started + "-" + pid + ".txt");
    // written whole under another name, then renamed: a reader never sees half a record
    Path partial = dir.resolve("partial-" + started + "-" + pid + ".txt");
    Files.writeString(
        partial,
        pid
            + "\n"
            + (child == null ? -1 : child.pid())
            + "\n"
            + started
            + "\n"
            + String.join("\t", args)
            + "\n",
        StandardCharsets.UTF_8);
    Files.move(partial, record, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    System.out.println("stand-in ray " + String.join(" ", args));
    if (exit != null) {
      System.out.println("stand-in ray: exiting with " + exit + " as asked");
      System.exit(Integer.parseInt(exit));
    }
    while (true) {
      if (gcs != null) {
        try (Socket s = gcs.accept()) {
          // a probe: accepted and closed, as a GCS would answer it
        }
      } else {
        Thread.sleep(60_000);
      }
    }
  }
}
