package dev.orca.benchmarks.ring;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The second worker of the benchmark: a JVM started with this JVM's own flags and class path,
 * driven by one-line commands on its stdin. Its answers start with '@'; any other line it prints (a
 * log line) is passed through to this process's stderr.
 */
final class WorkerProcess implements AutoCloseable {
  private final Process process;
  private final BufferedReader out;
  private final Writer in;

  WorkerProcess(Class<?> main, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(main.getName());
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.redirectError(ProcessBuilder.Redirect.INHERIT);
    process = pb.start();
    out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
  }

  void send(String command) throws IOException {
    in.write(command + "\n");
    in.flush();
  }

  /** The next answer, which must start with {@code prefix}; returns the rest of it. */
  String expect(String prefix) throws IOException {
    while (true) {
      String line = out.readLine();
      if (line == null) {
        throw new IOException(
            "the worker process ended (exit code "
                + (process.isAlive() ? "?" : process.exitValue())
                + ") where '"
                + prefix
                + "' was due");
      }
      if (!line.startsWith("@")) {
        System.err.println("[worker] " + line);
        continue;
      }
      if (!line.startsWith(prefix)) {
        throw new IOException("the worker answered '" + line + "' where '" + prefix + "' was due");
      }
      return line.substring(prefix.length()).trim();
    }
  }

  @Override
  public void close() throws InterruptedException {
    try {
      send("EXIT");
    } catch (IOException e) {
      // already gone
    }
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(20, TimeUnit.SECONDS);
    }
  }
}
