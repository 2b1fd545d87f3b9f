package dev.orca.launcher.internal;

import dev.orca.launcher.LauncherException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver's end of the channel the Ray node tasks report on: each task connects, proves it
 * belongs to this launch with the secret, and reports {@code STARTED} or {@code FAILED}; the driver
 * answers {@code STOP} when the Ray cluster is to end. A task whose connection drops is treated as
 * lost. Protocol: one line per message, see {@link NodeStatusClient}.
 */
public final class NodeStatusServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeStatusServer.class);

  private final ServerSocket server;
  private final byte[] secret;
  private final Thread acceptor;
  private final Map<Integer, Connection> connections = new ConcurrentHashMap<>();
  private final Map<Integer, String> started = new TreeMap<>();
  private final Map<Integer, String> failures = new TreeMap<>();
  private volatile boolean closed;

  public NodeStatusServer(String host, String secret) {
    this.secret = secret.getBytes(StandardCharsets.UTF_8);
    try {
      this.server = new ServerSocket();
      server.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
    } catch (IOException e) {
      throw new LauncherException("cannot open the Ray node status channel on " + host + ": " + e.getMessage(), e);
    }
    this.acceptor = new Thread(this::acceptLoop, "orca-ray-node-status");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** {@code host:port} for the tasks to connect to. */
  public String address() {
    return server.getInetAddress().getHostAddress() + ":" + server.getLocalPort();
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
      if (ended != null && awaitReaders(Duration.ofSeconds(2)) && failures.isEmpty()) {
        throw new LauncherException("The Spark stage that starts the Ray nodes ended before all "
            + nodes + " nodes started (" + started.size() + " did): " + ended);
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        List<Integer> missing = new ArrayList<>();
        for (int r = 0; r < nodes; r++) {
          if (!started.containsKey(r)) {
            missing.add(r);
          }
        }
        throw new LauncherException("Ray nodes " + missing + " did not report within "
            + timeout.toSeconds() + " s (started: " + started.keySet() + "). Check that the executors"
            + " can reach the driver at " + address() + ", and their logs; raise orca.ray.start-timeout"
            + " if the nodes are merely slow.");
      }
      wait(Math.min(200, Math.max(1, left / 1_000_000)));
    }
    if (!failures.isEmpty()) {
      Map.Entry<Integer, String> first = failures.entrySet().iterator().next();
      throw new LauncherException("Ray node " + first.getKey() + " failed to start: " + first.getValue());
    }
    return new ArrayList<>(started.values());
  }

  /** Gives the reports still in flight when the stage ended time to arrive; true when done. */
  private boolean awaitReaders(Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (!connections.isEmpty() && System.nanoTime() < deadline) {
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
    for (Connection c : connections.values()) {
      c.send("STOP");
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      LOG.debug("closing the status server", e);
    }
    connections.values().forEach(Connection::close);
    try {
      acceptor.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket socket = server.accept();
        Thread reader = new Thread(() -> serve(socket), "orca-ray-node-status-reader");
        reader.setDaemon(true);
        reader.start();
      } catch (IOException e) {
        if (!closed) {
          LOG.warn("Ray node status channel stopped accepting: {}", e.toString());
        }
        return;
      }
    }
  }

  private void serve(Socket socket) {
    Connection connection = null;
    try (socket) {
      socket.setSoTimeout(30_000); // the hello must come at once
      BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      String[] hello = split(in.readLine(), 3);
      if (hello == null || !"HELLO".equals(hello[0]) || !MessageDigest.isEqual(secret,
          hello[1].getBytes(StandardCharsets.UTF_8))) {
        LOG.warn("Refused a connection to the Ray node status channel from {}: not a node of this launch",
            socket.getRemoteSocketAddress());
        return;
      }
      int rank = Integer.parseInt(hello[2]);
      connection = new Connection(rank, socket);
      connections.put(rank, connection);
      socket.setSoTimeout(0); // then it stays open, silent, for the life of the node
      String line;
      boolean done = false;
      while (!done && (line = in.readLine()) != null) {
        done = "DONE".equals(line);
        String[] msg = split(line, 2);
        if (msg != null) {
          record(rank, msg[0], msg[1]);
        }
      }
      if (!closed && !done) {
        record(rank, "FAILED", "the task's connection closed (executor lost?)");
      }
    } catch (SocketTimeoutException e) {
      LOG.warn("A connection to the Ray node status channel sent no hello within 30 s; closed it");
    } catch (IOException | RuntimeException e) {
      if (!closed && connection != null) {
        record(connection.rank, "FAILED", "lost the connection to the task: " + e);
      }
    } finally {
      if (connection != null) {
        connections.remove(connection.rank, connection);
        synchronized (this) {
          notifyAll();
        }
      }
    }
  }

  private synchronized void record(int rank, String kind, String detail) {
    switch (kind) {
      case "STARTED" -> {
        started.put(rank, detail);
        LOG.info("Ray node {} started: {}", rank, detail);
      }
      case "FAILED" -> {
        if (!failures.containsKey(rank)) {
          failures.put(rank, detail);
          LOG.warn("Ray node {} failed: {}", rank, detail);
        }
      }
      case "STOPPED" -> LOG.info("Ray node {} stopped: {}", rank, detail);
      default -> LOG.warn("Ray node {} sent an unknown report '{}'", rank, kind);
    }
    notifyAll();
  }

  private static String[] split(String line, int parts) {
    if (line == null) {
      return null;
    }
    String[] p = line.split(" ", parts);
    return p.length == parts ? p : null;
  }

  /** Tells whether the Spark job running the node tasks has ended, and how. */
  @FunctionalInterface
  public interface JobProbe {
    /** Null while the job runs; else a description of how it ended. */
    String endedWith();
  }

  private static final class Connection {
    final int rank;
    final Socket socket;
    private final Writer out;

    Connection(int rank, Socket socket) throws IOException {
      this.rank = rank;
      this.socket = socket;
      this.out = new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.UTF_8);
    }

    synchronized void send(String line) {
      try {
        out.write(line + "\n");
        out.flush();
      } catch (IOException e) {
        LOG.debug("cannot send {} to Ray node {}: {}", line, rank, e.toString());
      }
    }

    void close() {
      try {
        socket.close();
      } catch (IOException e) {
        LOG.debug("closing the connection of Ray node {}", rank, e);
      }
    }
  }
}
