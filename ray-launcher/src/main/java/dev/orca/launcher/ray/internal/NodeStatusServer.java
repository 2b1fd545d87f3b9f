package dev.orca.launcher.ray.internal;

import dev.orca.launcher.LauncherException;
import dev.orca.launcher.barrier.TaskChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver's view of the Ray node tasks, from what they report on a {@link TaskChannel}: {@code
 * STARTED}, {@code FAILED}, {@code STOPPED}; {@link #stopAll} tells them to stop.
 */
public final class NodeStatusServer implements TaskChannel.Listener, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeStatusServer.class);

  private final TaskChannel channel;
  private final Map<Integer, String> started = new TreeMap<>();
  private final Map<Integer, String> failures = new TreeMap<>();

  public NodeStatusServer(String host, String secret) {
    this.channel = TaskChannel.open(host, secret, this);
  }

  /** {@code host:port} for the tasks to connect to. */
  public String address() {
    return channel.address();
  }

  /**
   * Waits until all {@code nodes} have reported {@code STARTED}, and returns their reports by rank.
   * Fails at the first {@code FAILED} report, when {@code jobEnded} says the stage is over, or
   * after {@code timeout}, naming the nodes that did not report.
   */
  public synchronized List<String> awaitStarted(int nodes, Duration timeout, JobProbe jobEnded)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (started.size() < nodes && failures.isEmpty()) {
      String ended = jobEnded.endedWith();
      if (ended != null && awaitQuiet(Duration.ofSeconds(2)) && failures.isEmpty()) {
        throw new LauncherException(
            "The Spark stage that starts the Ray nodes ended before all "
                + nodes
                + " nodes started ("
                + started.size()
                + " did): "
                + ended);
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        List<Integer> missing = new ArrayList<>();
        for (int r = 0; r < nodes; r++) {
          if (!started.containsKey(r)) {
            missing.add(r);
          }
        }
        throw new LauncherException(
            "Ray nodes "
                + missing
                + " did not report within "
                + timeout.toSeconds()
                + " s (started: "
                + started.keySet()
                + "). Check that the executors"
                + " can reach the driver at "
                + address()
                + ", and their logs; raise orca.ray.start-timeout"
                + " if the nodes are merely slow.");
      }
      wait(Math.min(200, Math.max(1, left / 1_000_000)));
    }
    if (!failures.isEmpty()) {
      Map.Entry<Integer, String> first = failures.entrySet().iterator().next();
      throw new LauncherException(
          "Ray node " + first.getKey() + " failed to start: " + first.getValue());
    }
    return new ArrayList<>(started.values());
  }

  /** Gives the reports still in flight when the stage ended time to arrive. */
  private boolean awaitQuiet(Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (!channel.connected().isEmpty() && System.nanoTime() < deadline) {
      wait(50);
    }
    return true;
  }

  /** The failures reported after start (a node whose Ray processes died), by rank. */
  public synchronized Map<Integer, String> failures() {
    return new TreeMap<>(failures);
  }

  /** Tells every connected task to stop its Ray node. */
  public void stopAll() {
    channel.sendToAll("STOP");
  }

  @Override
  public void close() {
    channel.close();
  }

  @Override
  public synchronized void message(int rank, String kind, String detail) {
    switch (kind) {
      case "STARTED" -> {
        started.put(rank, detail);
        LOG.info("Ray node {} started: {}", rank, detail);
      }
      case "FAILED" -> lost(rank, detail);
      case "STOPPED" -> LOG.info("Ray node {} stopped: {}", rank, detail);
      default -> LOG.warn("Ray node {} sent an unknown report '{}'", rank, kind);
    }
    notifyAll();
  }

  @Override
  public synchronized void lost(int rank, String why) {
    if (!failures.containsKey(rank)) {
      failures.put(rank, why);
      LOG.warn("Ray node {} failed: {}", rank, why);
    }
    notifyAll();
  }

  @Override
  public synchronized void disconnected(int rank) {
    notifyAll();
  }

  /** Tells whether the Spark job running the node tasks has ended, and how. */
  @FunctionalInterface
  public interface JobProbe {
    /** Null while the job runs; else a description of how it ended. */
    String endedWith();
  }
}
