package dev.orca.launcher.ray.internal;

import dev.orca.launcher.LauncherException;
import dev.orca.launcher.barrier.BarrierFunction;
import dev.orca.launcher.barrier.BarrierTask;
import dev.orca.launcher.barrier.TaskChannel;
import dev.orca.launcher.ray.RayOptions;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;

/**
 * One Ray node, as one task of the barrier stage that holds the Ray cluster. Task 0 starts the
 * head; once it listens, the others join it. Every task then stays, its Ray processes beside it,
 * until the driver says stop, the Ray processes die, or Spark kills the task; on the way out it
 * ends its node's process group. The steps that can fail are agreed through {@code allGather} so
 * that one node's failure never leaves the others waiting.
 */
public final class RayNodeTask implements BarrierFunction<Integer, String> {
  private static final long serialVersionUID = 1L;
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);

  private final RayOptions options;
  private final String statusAddress;
  private final String secret;

  public RayNodeTask(RayOptions options, String statusAddress, String secret) {
    this.options = options;
    this.statusAddress = statusAddress;
    this.secret = secret;
  }

  @Override
  public Iterator<String> apply(BarrierTask task, Iterator<Integer> ids) throws Exception {
    int rank = task.partitionId();
    String host = hostOf(task.executorAddresses().get(rank));
    try (TaskChannel.Client status =
        TaskChannel.Client.connect(statusAddress, secret, rank, CONNECT_TIMEOUT)) {
      if (task.stageAttempt() > 0) {
        status.send(
            "FAILED",
            "Spark re-ran the stage that holds the Ray nodes (attempt "
                + task.stageAttempt()
                + "): a node was lost earlier, and Orca does not restart a Ray cluster behind the"
                + " application's back. Stop the OrcaContext and start a new one.");
        return List.of("refused").iterator();
      }
      Path ray;
      String problem = "";
      try {
        ray = RayExecutable.locate(options.rayExecutable(), host);
      } catch (LauncherException e) {
        ray = null;
        problem = e.getMessage();
      }
      if (agreeOnFailure(task, status, problem)) {
        return List.of("not started").iterator();
      }
      int cores = options.coresPerNode() > 0 ? options.coresPerNode() : task.sparkContext().cpus();
      Path log = Path.of("orca-ray-node-" + rank + ".log").toAbsolutePath();

      NodeProcess node = null;
      String headReport = "";
      if (rank == 0) {
        try {
          int port = options.headPort() > 0 ? options.headPort() : freePort();
          node =
              NodeProcess.start(
                  RayStartCommand.head(ray, host, port, cores, options),
                  log,
                  options.stopTimeout());
          awaitListening(node, host, port);
          headReport = "OK " + host + ":" + port;
        } catch (LauncherException e) {
          headReport = "FAIL " + e.getMessage();
        }
      }
      String head = task.allGather(headReport).get(0);
      if (!head.startsWith("OK ")) {
        if (node != null) {
          node.stop(options.stopTimeout());
        }
        if (rank == 0) {
          status.send("FAILED", head.substring("FAIL ".length()));
        }
        return List.of("not started").iterator();
      }
      String headAddress = head.substring("OK ".length());
      try {
        if (node == null) {
          node =
              NodeProcess.start(
                  RayStartCommand.worker(ray, host, headAddress, cores, options),
                  log,
                  options.stopTimeout());
        }
        status.send(
            "STARTED",
            "host="
                + host
                + " pid="
                + node.pid()
                + " watchdog="
                + node.watchdogPid()
                + " executorPid="
                + ProcessHandle.current().pid()
                + " head="
                + headAddress);
        while (!status.received("STOP") && node.isAlive() && !task.isInterrupted()) {
          Thread.sleep(200);
        }
        if (!node.isAlive() && !status.received("STOP")) {
          String why =
              "the Ray node process on "
                  + host
                  + " exited with code "
                  + node.exitValue()
                  + "; its last output:\n"
                  + node.tail(20);
          status.send("FAILED", why);
          throw new LauncherException(why);
        }
      } finally {
        node.stop(options.stopTimeout());
      }
      status.send("STOPPED", "host=" + host);
      return List.of(host).iterator();
    }
  }

  /** Every task shares its problem (or ""); true if any task has one, after reporting its own. */
  private static boolean agreeOnFailure(
      BarrierTask task, TaskChannel.Client status, String problem) {
    List<String> problems = task.allGather(problem);
    if (!problem.isEmpty()) {
      status.send("FAILED", problem);
    }
    return problems.stream().anyMatch(p -> !p.isEmpty());
  }

  private void awaitListening(NodeProcess node, String host, int port) {
    long deadline = System.nanoTime() + options.startTimeout().toNanos();
    while (System.nanoTime() < deadline) {
      if (!node.isAlive()) {
        throw new LauncherException(
            "the Ray head on "
                + host
                + " exited with code "
                + node.exitValue()
                + " before it listened on port "
                + port
                + "; its last output:\n"
                + node.tail(20));
      }
      try (Socket probe = new Socket()) {
        probe.connect(new InetSocketAddress(host, port), 500);
        return;
      } catch (IOException e) {
        sleep(200);
      }
    }
    throw new LauncherException(
        "the Ray head on "
            + host
            + " did not listen on port "
            + port
            + " within "
            + options.startTimeout().toSeconds()
            + " s; its last output:\n"
            + node.tail(20));
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new LauncherException("no free port for the Ray head: " + e.getMessage(), e);
    }
  }

  private static String hostOf(String address) {
    int colon = address.lastIndexOf(':');
    return colon < 0 ? address : address.substring(0, colon);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LauncherException("interrupted while starting the Ray head", e);
    }
  }
}
