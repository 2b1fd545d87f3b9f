package dev.orca.collective;

import dev.orca.OrcaConfigurationException;
import dev.orca.collective.internal.RingFormation;
import dev.orca.collective.internal.WorkerSession;
import dev.orca.common.StaleSharedMemory;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.FloatBuffer;
import java.nio.channels.ServerSocketChannel;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sums float buffers over the workers of a training job with a ring all-reduce over TCP:
 * reduce-scatter then all-gather, in chunks, sending to the next worker while receiving from the
 * previous one, with optional fp16/bf16 compression on the wire.
 *
 * <pre>{@code
 * try (RingAllReduce ring = RingAllReduce.open(options)) {   // binds the endpoint
 *   String me = ring.localAddress();                           // publish "host:port"
 *   ring.connect(allAddressesInRankOrder, myRank);             // forms the ring
 *   ring.broadcast(weights);                                   // rank 0's initial weights
 *   for (...) { ...; ring.allReduce(gradients); ... }          // every step, in place
 * }
 * }</pre>
 *
 * <p>Every worker must make the same calls in the same order with the same buffer ranges. Calls
 * block (or, for {@link #startAllReduce}, run in the background) until the operation is done on
 * this worker. One thread drives a ring; {@link #close()} may come from any thread. A ring of one
 * worker is allowed: its operations leave the values as they are.
 *
 * <p>Ring failures surface in one place, whichever thread or worker noticed them first. A lost or
 * silent peer, or a peer running another operation, fails the operation in progress with a {@link
 * RingException} naming that peer (within {@link RingOptions#timeout()}): the blocking calls
 * ({@code allReduce}, {@code broadcast}, {@code barrier}) throw it themselves; a {@link
 * PendingReduce} throws it from {@link PendingReduce#await()}, never from {@code ready()}. The ring
 * is then broken and must be closed: every later {@code allReduce}, {@code broadcast}, {@code
 * barrier} and {@code startAllReduce} throws a {@code RingException} carrying the first failure's
 * message. Between calls the ring does no I/O, so it breaks only during a call, and that call
 * reports it. Misuse (a bad range, a reduction still pending, an unconnected or closed ring) throws
 * {@link IllegalArgumentException} or {@link IllegalStateException}, checked before the ring's
 * state; {@link #close()} from another thread fails a call in progress with a {@code
 * RingException}.
 */
public final class RingAllReduce implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RingAllReduce.class);
  private static final double[] NO_DOUBLES = new double[0];

  private final RingOptions options;
  private final ServerSocketChannel server;
  private final String localAddress;
  private final PendingReduce pending;
  private WorkerSession session;
  private volatile RingFormation forming;
  private int rank = -1;
  private int size;
  private volatile boolean closed;
  private boolean connectCalled;

  private RingAllReduce(RingOptions options, ServerSocketChannel server, String localAddress) {
    this.options = options;
    this.server = server;
    this.localAddress = localAddress;
    this.pending = new PendingReduce(options.chunkBytes() / Float.BYTES);
  }

  /** Opens this worker's endpoint: binds its listening socket on the options' host and port. */
  public static RingAllReduce open(RingOptions options) {
    Objects.requireNonNull(options, "options");
    InetAddress address;
    try {
      address = InetAddress.getByName(options.host());
    } catch (UnknownHostException e) {
      throw new OrcaConfigurationException(
          "RingOptions host '"
              + options.host()
              + "' does not resolve: pass an address of this machine",
          e);
    }
    if (address.isAnyLocalAddress()) {
      throw new OrcaConfigurationException(
          "RingOptions host '"
              + options.host()
              + "' is a "
              + "wildcard, which peers cannot connect to: pass this machine's address on the network "
              + "the workers share");
    }
    ServerSocketChannel server = null;
    try {
      server = ServerSocketChannel.open();
      server.bind(new InetSocketAddress(address, options.port()), 64);
      int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
      String host = options.host().contains(":") ? "[" + options.host() + "]" : options.host();
      LOG.debug("ring '{}' endpoint listening at {}:{}", options.name(), host, port);
      return new RingAllReduce(options, server, host + ":" + port);
    } catch (BindException e) {
      closeQuietly(server);
      throw new OrcaConfigurationException(
          "cannot listen at "
              + options.host()
              + ":"
              + options.port()
              + " ("
              + e.getMessage()
              + "): use port 0 for any free port, or an "
              + "address of this machine",
          e);
    } catch (IOException e) {
      closeQuietly(server);
      throw new RingException(
          "cannot open the ring endpoint at " + options.host() + ":" + options.port() + ": " + e,
          e);
    }
  }

  /** Where the other workers reach this one, {@code host:port}: publish it to them. */
  public String localAddress() {
    return localAddress;
  }

  /**
   * Forms the ring: {@code addresses} are every worker's {@link #localAddress()} in rank order (the
   * same list on every worker), {@code rank} is this worker's index in it. Connects to the next
   * worker and accepts the previous one, each proving it knows the job secret; stray connections
   * are refused and logged meanwhile. Returns when both neighbours are connected; throws {@link
   * RingException} after {@link RingOptions#connectTimeout()} naming the missing one. Called once;
   * the listening socket is closed afterwards.
   */
  public void connect(List<String> addresses, int rank) {
    checkOpen();
    if (connectCalled) {
      throw new IllegalStateException(
          "connect() was already called: a ring is formed once; "
              + "after a failure, close this endpoint and open a new one");
    }
    validate(addresses, rank);
    connectCalled = true;
    try {
      if (addresses.size() > 1) {
        forming = RingFormation.prepare(server, options, List.copyOf(addresses), rank);
        if (closed) {
          forming.abort(); // close() came first and did not see the formation
        }
        WorkerSession formed =
            WorkerSession.connect(forming, options, List.copyOf(addresses), rank);
        synchronized (this) {
          if (closed) { // closed from another thread just as the ring formed
            formed.close();
            throw new RingException(
                "ring '" + options.name() + "' rank " + rank + ": closed while forming the ring");
          }
          session = formed;
        }
      }
      this.rank = rank;
      this.size = addresses.size();
    } finally {
      forming = null;
      closeQuietly(server); // formed or failed, no one else may join
    }
  }

  private void validate(List<String> addresses, int rank) {
    if (addresses == null || addresses.isEmpty()) {
      throw new OrcaConfigurationException(
          "connect: the address list is empty: pass every "
              + "worker's localAddress() in rank order");
    }
    if (rank < 0 || rank >= addresses.size()) {
      throw new OrcaConfigurationException(
          "connect: rank "
              + rank
              + " is outside 0.."
              + (addresses.size() - 1)
              + " for "
              + addresses.size()
              + " addresses");
    }
    if (!localAddress.equals(addresses.get(rank))) {
      throw new OrcaConfigurationException(
          "connect: addresses["
              + rank
              + "] is '"
              + addresses.get(rank)
              + "' but this worker listens at '"
              + localAddress
              + "': pass the "
              + "list gathered from every worker's localAddress(), and this worker's own rank");
    }
    if (new HashSet<>(addresses).size() != addresses.size()) {
      throw new OrcaConfigurationException(
          "connect: the address list "
              + addresses
              + " names a worker twice: each worker must appear once");
    }
  }

  /** This worker's rank, once connected. */
  public int rank() {
    checkConnected();
    return rank;
  }

  /** True once {@link #connect} has formed the ring, until it is closed. */
  public boolean isConnected() {
    return rank >= 0 && !closed;
  }

  /** The number of workers in the ring, once connected. */
  public int size() {
    checkConnected();
    return size;
  }

  /**
   * How the floats of this ring's all-reduces move, decided at {@link #connect} (never {@link
   * Transport#AUTO}; a ring of one worker moves nothing and says {@link Transport#IN_JVM}).
   */
  public Transport transport() {
    checkConnected();
    return session == null ? Transport.IN_JVM : session.transport();
  }

  /**
   * Where the workers run, as the transport sees it, e.g. "2 workers in one JVM" or "2 hosts: ranks
   * 0..1 in shared memory, ranks 2..3 in one JVM; TCP between hosts".
   */
  public String placement() {
    checkConnected();
    return session == null ? "1 worker: nothing to reduce" : session.describe();
  }

  /**
   * {@code addresses} (every worker's {@link #localAddress()}) reordered so that the workers of
   * each host are next to each other, hosts in the order of their first worker, workers of a host
   * in their order: ranks in this order let {@link Transport#HIERARCHICAL} sum within hosts (it
   * folds the sum in rank order). The host is the address's host part, as each worker published it.
   */
  public static List<String> orderByHost(List<String> addresses) {
    Objects.requireNonNull(addresses, "addresses");
    java.util.LinkedHashMap<String, List<String>> byHost = new java.util.LinkedHashMap<>();
    for (String a : addresses) {
      int colon = a.lastIndexOf(':');
      String host = colon < 0 ? a : a.substring(0, colon);
      byHost.computeIfAbsent(host, h -> new java.util.ArrayList<>()).add(a);
    }
    List<String> ordered = new java.util.ArrayList<>();
    byHost.values().forEach(ordered::addAll);
    return ordered;
  }

  /**
   * Removes from {@code directory} (e.g. {@link RingOptions#DEFAULT_SHARED_MEMORY_DIRECTORY}) what
   * processes that ended without cleaning up left there: segments of rings whose creator died
   * before every worker had mapped them, and the registration files Intel's OpenMP runtime (loaded
   * with MKL) leaves when a process is killed. Only files of processes that are gone are touched.
   * Returns the files removed.
   */
  public static List<java.nio.file.Path> removeStaleSharedMemory(java.nio.file.Path directory) {
    Objects.requireNonNull(directory, "directory");
    return StaleSharedMemory.removeAll(directory);
  }

  public RingOptions options() {
    return options;
  }

  /**
   * Sums {@code buffer[position, limit)} over all workers, in place; blocks. Position and limit
   * stay as they are. For the mean, divide by {@link #size()}.
   */
  public void allReduce(FloatBuffer buffer) {
    Objects.requireNonNull(buffer, "buffer");
    allReduce(buffer, buffer.position(), buffer.remaining());
  }

  /**
   * Sums {@code buffer[offset, offset+length)} (absolute indices) over all workers, in place;
   * blocks. Every worker ends with the same bits, with or without compression.
   */
  public void allReduce(FloatBuffer buffer, int offset, int length) {
    start("allReduce", buffer, offset, length).readyAll().await();
  }

  /** Starts a background sum of {@code buffer[position, limit)}; see {@link PendingReduce}. */
  public PendingReduce startAllReduce(FloatBuffer buffer) {
    Objects.requireNonNull(buffer, "buffer");
    return startAllReduce(buffer, buffer.position(), buffer.remaining());
  }

  /**
   * Starts a background sum of {@code buffer[offset, offset+length)}; see {@link PendingReduce}.
   * Throws {@link RingException} at once if an earlier call broke the ring.
   */
  public PendingReduce startAllReduce(FloatBuffer buffer, int offset, int length) {
    return start("startAllReduce", buffer, offset, length);
  }

  private PendingReduce start(String call, FloatBuffer buffer, int offset, int length) {
    checkIdle();
    checkRange(call, buffer, offset, length);
    checkNotBroken(call);
    pending.begin(session, buffer, offset, length);
    return pending;
  }

  /**
   * Replaces {@code values} by their sum over all workers, e.g. metric or loss sums. The sum runs
   * in rank order on every worker, so all get the same bits. Meant for small arrays.
   */
  public void allReduce(double[] values) {
    Objects.requireNonNull(values, "values");
    checkIdle();
    if ((long) values.length * size > Integer.MAX_VALUE / 2) {
      throw new IllegalArgumentException(
          "allReduce(double[]) is for small arrays (metrics); "
              + values.length
              + " doubles is too many, use a FloatBuffer");
    }
    checkNotBroken("allReduce(double[])");
    if (session != null) {
      session.allReduce(values);
    }
  }

  /** Copies rank 0's {@code buffer[position, limit)} to every worker; blocks. */
  public void broadcast(FloatBuffer buffer) {
    Objects.requireNonNull(buffer, "buffer");
    broadcast(buffer, buffer.position(), buffer.remaining());
  }

  /** Copies rank 0's {@code buffer[offset, offset+length)} to every worker, exactly; blocks. */
  public void broadcast(FloatBuffer buffer, int offset, int length) {
    checkIdle();
    checkRange("broadcast", buffer, offset, length);
    checkNotBroken("broadcast");
    if (session != null) {
      session.broadcast(buffer, offset, length);
    }
  }

  /** Returns once every worker has called {@code barrier()}. */
  public void barrier() {
    checkIdle();
    checkNotBroken("barrier");
    if (session != null) {
      session.allReduce(NO_DOUBLES);
    }
  }

  /**
   * This worker gives up on the ring because of {@code reason} (e.g. its own computation failed):
   * the next worker is told why, so every peer's pending or next operation fails at once with a
   * {@link RingException} naming this worker and the reason, instead of waiting out the ring's
   * timeout; then the ring is closed. Before the ring is formed it only closes. Callable from any
   * thread; idempotent with {@link #close()}.
   */
  public synchronized void abort(String reason) {
    Objects.requireNonNull(reason, "reason");
    if (!closed && session != null) {
      session.abort(reason);
    }
    close();
  }

  /** Stops the ring's threads and closes its sockets; idempotent, callable from any thread. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    RingFormation f = forming;
    if (f != null) {
      f.abort();
    }
    closeQuietly(server);
    if (session != null) {
      session.close();
    }
    LOG.debug("ring '{}' endpoint {} closed", options.name(), localAddress);
  }

  private void checkRange(String what, FloatBuffer buffer, int offset, int length) {
    Objects.requireNonNull(buffer, "buffer");
    if (offset < 0 || length < 0 || (long) offset + length > buffer.limit()) {
      throw new IllegalArgumentException(
          what
              + ": range ["
              + offset
              + ", "
              + ((long) offset + length)
              + ") is outside the buffer, whose limit is "
              + buffer.limit());
    }
    if (buffer.isReadOnly()) {
      throw new IllegalArgumentException(
          what + ": the buffer is read-only; the ring writes the " + "result into it");
    }
  }

  /** Called after the checks for misuse, so that a broken ring never hides a misuse. */
  private void checkNotBroken(String call) {
    if (session != null) {
      session.checkNotBroken(call);
    }
  }

  private void checkIdle() {
    checkConnected();
    if (pending.active()) {
      throw new IllegalStateException(
          "a reduction started with startAllReduce is still "
              + "pending: call await() on it before the next ring operation");
    }
  }

  private void checkConnected() {
    checkOpen();
    if (rank < 0) {
      throw new IllegalStateException("the ring is not formed yet: call connect(addresses, rank)");
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("this RingAllReduce is closed");
    }
  }

  private static void closeQuietly(ServerSocketChannel server) {
    if (server == null) {
      return;
    }
    try {
      server.close();
    } catch (IOException e) {
      // nothing left to release
    }
  }
}
