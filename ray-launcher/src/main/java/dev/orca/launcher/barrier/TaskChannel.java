package dev.orca.launcher.barrier;

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
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small channel between the driver and the tasks of a long-running barrier stage, for what Spark
 * does not carry while a stage runs: the tasks report (progress, started, failed), the driver
 * answers (stop). Each task connects once, proves with the secret that it belongs to this stage,
 * and sends one-line messages {@code KIND detail}; it ends with {@code DONE}, so that a connection
 * closing without it means the task or its executor was lost.
 */
public final class TaskChannel implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TaskChannel.class);

  private final ServerSocket server;
  private final byte[] secret;
  private final Listener listener;
  private final Thread acceptor;
  private final Map<Integer, Connection> connections = new ConcurrentHashMap<>();
  private volatile boolean closed;

  private TaskChannel(ServerSocket server, String secret, Listener listener) {
    this.server = server;
    this.secret = secret.getBytes(StandardCharsets.UTF_8);
    this.listener = listener;
    this.acceptor = new Thread(this::acceptLoop, "orca-task-channel");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** Opens the driver's end on {@code host} (any free port). */
  public static TaskChannel open(String host, String secret, Listener listener) {
    try {
      ServerSocket server = new ServerSocket();
      server.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
      return new TaskChannel(server, secret, listener);
    } catch (IOException e) {
      throw new LauncherException(
          "cannot open the driver's task channel on " + host + ": " + e.getMessage(), e);
    }
  }

  /** {@code host:port} for the tasks to connect to. */
  public String address() {
    return server.getInetAddress().getHostAddress() + ":" + server.getLocalPort();
  }

  /** The ranks connected now. */
  public Set<Integer> connected() {
    return new TreeSet<>(connections.keySet());
  }

  /** Sends one line to every connected task. */
  public void sendToAll(String line) {
    for (Connection c : connections.values()) {
      c.send(line);
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
      LOG.debug("closing the task channel", e);
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
        Thread reader = new Thread(() -> serve(socket), "orca-task-channel-reader");
        reader.setDaemon(true);
        reader.start();
      } catch (IOException e) {
        if (!closed) {
          LOG.warn("The driver's task channel stopped accepting: {}", e.toString());
        }
        return;
      }
    }
  }

  private void serve(Socket socket) {
    Connection connection = null;
    try (socket) {
      socket.setSoTimeout(30_000); // the hello comes at once
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      String[] hello = split(in.readLine(), 3);
      if (hello == null
          || !"HELLO".equals(hello[0])
          || !MessageDigest.isEqual(secret, hello[1].getBytes(StandardCharsets.UTF_8))) {
        LOG.warn(
            "Refused a connection to the driver's task channel from {}: not a task of this stage",
            socket.getRemoteSocketAddress());
        return;
      }
      connection = new Connection(Integer.parseInt(hello[2]), socket);
      connections.put(connection.rank, connection);
      socket.setSoTimeout(0); // then it stays open, quiet at times, for the life of the task
      String line;
      boolean done = false;
      while (!done && (line = in.readLine()) != null) {
        done = "DONE".equals(line);
        String[] msg = split(line, 2);
        if (msg != null) {
          listener.message(connection.rank, msg[0], msg[1]);
        }
      }
      if (!closed && !done) {
        listener.lost(connection.rank, "the task's connection closed (executor lost?)");
      }
    } catch (SocketTimeoutException e) {
      LOG.warn("A connection to the driver's task channel sent no hello within 30 s; closed it");
    } catch (IOException | RuntimeException e) {
      if (!closed && connection != null) {
        listener.lost(connection.rank, "lost the connection to the task: " + e);
      }
    } finally {
      if (connection != null) {
        connections.remove(connection.rank, connection);
        listener.disconnected(connection.rank);
      }
    }
  }

  private static String[] split(String line, int parts) {
    if (line == null) {
      return null;
    }
    String[] p = line.split(" ", parts);
    return p.length == parts ? p : null;
  }

  /** What the driver does with the tasks' messages. Called on the channel's reader threads. */
  public interface Listener {
    /** A message {@code kind detail} from task {@code rank}. */
    void message(int rank, String kind, String detail);

    /** The connection of task {@code rank} ended without DONE. */
    void lost(int rank, String why);

    /** The connection of task {@code rank} is gone, whichever way it ended. */
    default void disconnected(int rank) {}
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
        LOG.debug("cannot send {} to task {}: {}", line, rank, e.toString());
      }
    }

    void close() {
      try {
        socket.close();
      } catch (IOException e) {
        LOG.debug("closing the connection of task {}", rank, e);
      }
    }
  }

  /**
   * A task's end of the channel. The driver's lines arrive on a listener thread; {@link #received}
   * tells whether a given line (e.g. {@code STOP}) has come, and a closed connection counts as
   * {@code STOP}, since the driver is gone.
   */
  public static final class Client implements AutoCloseable {
    private final Socket socket;
    private final Writer out;
    private final Thread reader;
    private final Set<String> received = ConcurrentHashMap.newKeySet();

    private Client(Socket socket) throws IOException {
      this.socket = socket;
      this.out = new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.UTF_8);
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      this.reader =
          new Thread(
              () -> {
                try {
                  String line;
                  while ((line = in.readLine()) != null) {
                    received.add(line);
                  }
                } catch (IOException e) {
                  // the connection is gone: the same as being told to stop
                }
                received.add("STOP");
              },
              "orca-task-channel-listener");
      reader.setDaemon(true);
      reader.start();
    }

    /** Connects to the driver at {@code address} and says hello as task {@code rank}. */
    public static Client connect(String address, String secret, int rank, Duration timeout) {
      int colon = address.lastIndexOf(':');
      Socket socket = new Socket();
      try {
        socket.connect(
            new InetSocketAddress(
                address.substring(0, colon), Integer.parseInt(address.substring(colon + 1))),
            (int) timeout.toMillis());
        Client client = new Client(socket);
        client.send("HELLO", secret + " " + rank);
        return client;
      } catch (IOException e) {
        try {
          socket.close();
        } catch (IOException ignored) {
          // failing anyway
        }
        throw new LauncherException(
            "task "
                + rank
                + " cannot reach the driver's task channel at "
                + address
                + " within "
                + timeout.toSeconds()
                + " s: "
                + e.getMessage(),
            e);
      }
    }

    /** Sends {@code kind detail} (the detail on one line). */
    public synchronized void send(String kind, String detail) {
      try {
        out.write(kind + " " + String.valueOf(detail).replace('\n', '|').replace('\r', ' ') + "\n");
        out.flush();
      } catch (IOException e) {
        received.add("STOP"); // the driver is gone
      }
    }

    /** True once the driver sent {@code line}; {@code STOP} also when the driver went away. */
    public boolean received(String line) {
      return received.contains(line);
    }

    /** Says DONE and closes. */
    @Override
    public void close() {
      synchronized (this) {
        try {
          out.write("DONE\n");
          out.flush();
        } catch (IOException e) {
          // closing anyway
        }
      }
      try {
        socket.close();
      } catch (IOException e) {
        // closing anyway
      }
      try {
        reader.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
