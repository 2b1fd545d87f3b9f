package dev.orca.launcher.barrier;

import dev.orca.common.ChallengeResponse;
import dev.orca.common.RepeatedWarnings;
import dev.orca.launcher.LauncherException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small channel between the driver and the tasks of a long-running barrier stage, for what Spark
 * does not carry while a stage runs: the tasks report (progress, started, failed), the driver
 * answers (stop). Each task connects once, proves by challenge-response that it knows the job
 * secret (which never crosses the wire; see {@link ChannelHandshake}), and sends one-line messages
 * {@code KIND detail}; it ends with {@code DONE}, so that a connection closing without it means the
 * task or its executor was lost.
 *
 * <p>Strangers get little: one thread runs every handshake, at most 16 at a time and each for at
 * most 5 s (a connection beyond them is closed at once), nothing longer than one short line is read
 * before a connection has proven itself, and the lines after that are at most {@value
 * ChannelHandshake#MAX_LINE} bytes. Refusals are logged a few of a kind at a time.
 */
public final class TaskChannel implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TaskChannel.class);

  /** How many connections may be in their handshake at once, and for how long each. */
  record Limits(int handshakeSlots, Duration handshakeDeadline) {
    static final Limits DEFAULT = new Limits(16, Duration.ofSeconds(5));
  }

  private final String address;
  private final Listener listener;
  private final RepeatedWarnings warnings = new RepeatedWarnings(LOG);
  private final ChannelDoor door;
  private final Map<Integer, Connection> connections = new ConcurrentHashMap<>();
  private final Set<Thread> readers = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private TaskChannel(ServerSocketChannel server, String secret, Listener listener, Limits limits)
      throws IOException {
    InetSocketAddress local = (InetSocketAddress) server.getLocalAddress();
    this.address = local.getAddress().getHostAddress() + ":" + local.getPort();
    this.listener = listener;
    this.door =
        new ChannelDoor(server, new ChannelHandshake(secret), limits, warnings, this::admit);
  }

  /** Opens the driver's end on {@code host} (any free port). */
  public static TaskChannel open(String host, String secret, Listener listener) {
    return open(host, secret, listener, Limits.DEFAULT);
  }

  static TaskChannel open(String host, String secret, Listener listener, Limits limits) {
    ServerSocketChannel server = null;
    try {
      server = ServerSocketChannel.open();
      server.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
      return new TaskChannel(server, secret, listener, limits);
    } catch (IOException e) {
      if (server != null) {
        try {
          server.close();
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw new LauncherException(
          "cannot open the driver's task channel on " + host + ": " + e.getMessage(), e);
    }
  }

  /** {@code host:port} for the tasks to connect to. */
  public String address() {
    return address;
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
    door.close(); // no admission after this
    connections.values().forEach(Connection::close);
    for (Thread reader : readers) {
      try {
        reader.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    warnings.flush();
  }

  /** A task proved itself: from now on its lines are read on a thread of its own. */
  private void admit(SocketChannel channel, int rank) throws IOException {
    if (closed) {
      channel.close();
      return;
    }
    Connection connection = new Connection(rank, channel.socket());
    connections.put(rank, connection);
    Thread reader = new Thread(() -> serve(connection), "orca-task-channel-task-" + rank);
    reader.setDaemon(true);
    // a reader stays in the set until it has ended, so that close() joins it: one that took itself
    // out on its way out could still be running when close() returned
    readers.removeIf(t -> !t.isAlive());
    readers.add(reader);
    reader.start();
  }

  private void serve(Connection connection) {
    int rank = connection.rank;
    try {
      BoundedLines lines =
          new BoundedLines(
              new BufferedInputStream(connection.socket.getInputStream()),
              ChannelHandshake.MAX_LINE);
      String line;
      boolean done = false;
      while (!done && (line = lines.next()) != null) {
        done = "DONE".equals(line);
        String[] msg = split(line, 2);
        if (msg != null) {
          listener.message(rank, msg[0], msg[1]);
        }
      }
      if (!closed && !done) {
        listener.lost(rank, "the task's connection closed (executor lost?)");
      }
    } catch (BoundedLines.TooLong e) {
      if (!closed) {
        listener.lost(
            rank,
            "the task sent a line longer than "
                + ChannelHandshake.MAX_LINE
                + " bytes, which no message is (a protocol error: do the driver and the executors run"
                + " the same Orca version?); its connection was closed");
      }
    } catch (IOException | RuntimeException e) {
      if (!closed) {
        listener.lost(rank, "lost the connection to the task: " + e);
      }
    } finally {
      connection.close();
      connections.remove(rank, connection);
      listener.disconnected(rank);
    }
  }

  private static String[] split(String line, int parts) {
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
    private final OutputStream out;

    Connection(int rank, Socket socket) throws IOException {
      this.rank = rank;
      this.socket = socket;
      this.out = socket.getOutputStream();
    }

    synchronized void send(String line) {
      try {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
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
    private static final long FIRST_RETRY_MILLIS = 50;
    private static final long MAX_RETRY_MILLIS = 1000;

    private final Socket socket;
    private final OutputStream out;
    private final Thread reader;
    private final Set<String> received = new HashSet<>();

    private Client(Socket socket, InputStream in) throws IOException {
      this.socket = socket;
      this.out = socket.getOutputStream();
      BoundedLines lines = new BoundedLines(in, ChannelHandshake.MAX_LINE);
      this.reader =
          new Thread(
              () -> {
                try {
                  String line;
                  while ((line = lines.next()) != null) {
                    receive(line);
                  }
                } catch (IOException e) {
                  // the connection is gone (or the driver broke the protocol): the same as STOP
                }
                receive("STOP");
              },
              "orca-task-channel-listener");
      reader.setDaemon(true);
      reader.start();
    }

    /**
     * Connects to the driver at {@code address} as task {@code rank} and proves it knows the job
     * {@code secret}, as the driver proves it back; all within {@code timeout}, retrying while the
     * driver's handshake slots are all taken.
     */
    public static Client connect(String address, String secret, int rank, Duration timeout) {
      ChannelHandshake handshake = new ChannelHandshake(secret);
      long deadline = System.nanoTime() + timeout.toNanos();
      long retry = FIRST_RETRY_MILLIS;
      while (true) {
        Socket socket = new Socket();
        try {
          Client client = tryConnect(socket, address, handshake, rank, deadline);
          if (client != null) {
            return client;
          }
          closeQuietly(socket);
          long left = (deadline - System.nanoTime()) / 1_000_000;
          if (left <= 0) {
            throw new LauncherException(
                "task "
                    + rank
                    + " could not get into the driver's task channel at "
                    + address
                    + " within "
                    + timeout.toSeconds()
                    + " s: all its handshake slots stayed taken. Something else keeps connecting"
                    + " to the driver at that port; find it, or block it from the executors'"
                    + " network.");
          }
          Thread.sleep(Math.min(retry, left)); // back-off: a slot frees when a handshake ends
          retry = Math.min(2 * retry, MAX_RETRY_MILLIS);
        } catch (IOException e) {
          closeQuietly(socket);
          throw new LauncherException(
              "task "
                  + rank
                  + " cannot reach the driver's task channel at "
                  + address
                  + " within "
                  + timeout.toSeconds()
                  + " s: "
                  + (e instanceof SocketTimeoutException ? "no answer" : e.getMessage()),
              e);
        } catch (InterruptedException e) {
          closeQuietly(socket);
          Thread.currentThread().interrupt();
          throw new LauncherException(
              "task " + rank + " was interrupted while connecting to the driver's task channel", e);
        } catch (RuntimeException e) {
          closeQuietly(socket);
          throw e;
        }
      }
    }

    /** The client once both proofs passed; null if the driver was busy. */
    private static Client tryConnect(
        Socket socket, String address, ChannelHandshake handshake, int rank, long deadline)
        throws IOException {
      int colon = address.lastIndexOf(':');
      socket.connect(
          new InetSocketAddress(
              address.substring(0, colon), Integer.parseInt(address.substring(colon + 1))),
          millisLeft(deadline));
      socket.setSoTimeout(millisLeft(deadline));
      socket.setTcpNoDelay(true);
      InputStream in = new BufferedInputStream(socket.getInputStream());
      BoundedLines lines = new BoundedLines(in, ChannelHandshake.MAX_HANDSHAKE_LINE);
      String first = lines.next();
      if (ChannelHandshake.BUSY.equals(first)) {
        return null;
      }
      byte[] nonceD = ChannelHandshake.parseChallenge(first);
      if (nonceD == null) {
        throw new LauncherException(
            "task "
                + rank
                + ": "
                + address
                + " is not an Orca task channel of protocol version "
                + ChannelHandshake.VERSION
                + (first == null ? " (it closed the connection)" : "")
                + ": check the address the tasks were given, and that the driver and the"
                + " executors run the same Orca version");
      }
      byte[] nonceT = ChallengeResponse.nonce();
      OutputStream out = socket.getOutputStream();
      out.write((handshake.hello(rank, nonceD, nonceT) + "\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
      String answer = lines.next();
      if (answer != null && answer.startsWith(ChannelHandshake.REFUSED)) {
        throw new LauncherException(
            "the driver's task channel at "
                + address
                + " refused task "
                + rank
                + ": "
                + answer.substring(ChannelHandshake.REFUSED.length())
                + ". The driver and the tasks must use the same job secret.");
      }
      if (!handshake.driverProven(answer, rank, nonceT, nonceD)) {
        throw new LauncherException(
            "task "
                + rank
                + ": the process at "
                + address
                + " did not prove that it knows the job secret, so it is not this job's driver;"
                + " nothing was sent to it. Check the address the tasks were given.");
      }
      socket.setSoTimeout(0); // from now on it stays open, quiet at times, for the life of the task
      return new Client(socket, in);
    }

    private static int millisLeft(long deadline) throws SocketTimeoutException {
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        throw new SocketTimeoutException("the connect timeout passed");
      }
      return (int) Math.min(Integer.MAX_VALUE, left);
    }

    /**
     * Sends {@code kind detail} (the detail on one line, cut to fit the channel's longest line).
     */
    public synchronized void send(String kind, String detail) {
      try {
        out.write(encode(kind, detail));
        out.flush();
      } catch (IOException e) {
        receive("STOP"); // the driver is gone
      }
    }

    private void receive(String line) {
      synchronized (received) {
        received.add(line);
        received.notifyAll();
      }
    }

    /** {@code kind detail\n} in UTF-8, the detail cut where the line would pass the limit. */
    static byte[] encode(String kind, String detail) {
      String text = kind + " " + String.valueOf(detail).replace('\n', '|').replace('\r', ' ');
      String cut = " [cut]";
      ByteBuffer bytes = ByteBuffer.allocate(ChannelHandshake.MAX_LINE + 1);
      bytes.limit(ChannelHandshake.MAX_LINE - cut.length());
      CharsetEncoder encoder = StandardCharsets.UTF_8.newEncoder();
      CharBuffer chars = CharBuffer.wrap(text);
      encoder.encode(chars, bytes, true); // stops before a character that does not fit
      bytes.limit(bytes.capacity());
      if (chars.hasRemaining()) {
        bytes.put(cut.getBytes(StandardCharsets.US_ASCII));
      }
      bytes.put((byte) '\n');
      byte[] line = new byte[bytes.position()];
      bytes.flip().get(line);
      return line;
    }

    /** True once the driver sent {@code line}; {@code STOP} also when the driver went away. */
    public boolean received(String line) {
      synchronized (received) {
        return received.contains(line);
      }
    }

    /**
     * Waits at most {@code timeout} for a line from the driver that {@code matches}, takes it out
     * (so a later call waits for the next one) and returns it; returns {@code STOP} at once if the
     * driver asked to stop or went away, and null if neither came in time. For a task that waits
     * for the driver's answer (lines that differ, e.g. by a number in them).
     */
    public String take(Predicate<String> matches, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      synchronized (received) {
        while (true) {
          for (String line : received) {
            if (matches.test(line)) {
              received.remove(line);
              return line;
            }
          }
          if (received.contains("STOP")) {
            return "STOP";
          }
          long left = (deadline - System.nanoTime()) / 1_000_000;
          if (left <= 0) {
            return null;
          }
          received.wait(left);
        }
      }
    }

    /** Waits at most {@code timeout} for {@link #received}{@code (line)}; for tests. */
    boolean awaitReceived(String line, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      synchronized (received) {
        while (!received.contains(line)) {
          long left = (deadline - System.nanoTime()) / 1_000_000;
          if (left <= 0) {
            return false;
          }
          received.wait(left);
        }
        return true;
      }
    }

    /** Says DONE and closes. */
    @Override
    public void close() {
      synchronized (this) {
        try {
          out.write("DONE\n".getBytes(StandardCharsets.UTF_8));
          out.flush();
        } catch (IOException e) {
          // closing anyway
        }
      }
      closeQuietly(socket);
      try {
        reader.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    private static void closeQuietly(Socket socket) {
      try {
        socket.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }
}
