package dev.orca.collective.internal;

import dev.orca.collective.RingException;
import dev.orca.collective.RingOptions;
import dev.orca.common.RepeatedWarnings;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forms the ring from one worker's side: connects to the next worker and accepts the previous one,
 * both at once on one selector (doing them in turn would deadlock the ring). Every accepted
 * connection must pass the {@link Handshake}; a stray one (a port scanner, garbage bytes, a wrong
 * secret, a wrong rank) is refused, logged at WARN (a few of each kind, then a count: a flood of
 * strays cannot flood the log), and the wait goes on for the real neighbour. Handshakes run side by
 * side, so a stray that sends nothing cannot hold the door.
 */
public final class RingFormation {
  private static final Logger LOG = LoggerFactory.getLogger(RingFormation.class);
  private static final long HANDSHAKE_NANOS = 5_000_000_000L;
  private static final int MAX_PENDING = 64;

  final String self;
  final int rank;
  final int size;
  final Peer next;
  final Peer prev;
  final Handshake handshake;
  final Selector selector;
  private final ServerSocketChannel server;
  private final Outbound outbound;
  private final List<Inbound> pending = new ArrayList<>();
  private SocketChannel fromPrev;
  private int refused;
  private String lastRefusal;
  private final RepeatedWarnings warnings = new RepeatedWarnings(LOG);

  private final RingOptions options;
  private volatile boolean aborted;

  private RingFormation(
      ServerSocketChannel server, RingOptions options, List<String> addresses, int rank)
      throws IOException {
    this.server = server;
    this.options = options;
    this.rank = rank;
    this.size = addresses.size();
    this.self = "ring '" + options.name() + "' rank " + rank + " of " + size;
    this.next = new Peer((rank + 1) % size, addresses.get((rank + 1) % size), "next in the ring");
    this.prev =
        new Peer(
            (rank + size - 1) % size,
            addresses.get((rank + size - 1) % size),
            "previous in the ring");
    this.handshake =
        new Handshake(
            options.secret(),
            options.name(),
            options.chunkBytes(),
            options.compression().ordinal());
    this.selector = Selector.open();
    this.outbound = new Outbound(this);
  }

  /**
   * Prepares to form the ring of {@code addresses} (at least two) as worker {@code rank}, listening
   * on {@code server}; {@link #connect()} does it.
   */
  public static RingFormation prepare(
      ServerSocketChannel server, RingOptions options, List<String> addresses, int rank) {
    try {
      return new RingFormation(server, options, addresses, rank);
    } catch (IOException e) {
      throw new RingException("cannot form the ring as rank " + rank + ": " + e, e);
    }
  }

  /**
   * Connects both neighbours and starts the ring's session, which records its failures in {@code
   * failures}. Throws {@link RingException} naming the neighbour that did not come within the
   * connect timeout or refused this worker.
   */
  RingSession connect(FailureRecord failures) {
    try {
      try {
        long started = System.nanoTime();
        long timeout = options.connectTimeout().toNanos();
        SocketChannel toNext = run(started + timeout, timeout);
        LOG.info(
            "{}: connected to {} and {} in {} ms",
            self,
            next,
            prev,
            (System.nanoTime() - started) / 1_000_000);
        return new RingSession(
            options, rank, size, toNext, next.toString(), fromPrev, prev.toString(), failures);
      } finally {
        selector.close();
      }
    } catch (IOException e) {
      if (aborted) {
        // close() shut the listening socket under us: that, not the socket error, is the reason
        throw new RingException(self + ": closed while forming the ring");
      }
      throw new RingException(self + ": cannot form the ring: " + e, e);
    }
  }

  /** Makes a running {@link #connect()} give up at once; callable from any thread. */
  public void abort() {
    aborted = true;
    selector.wakeup();
  }

  private SocketChannel run(long deadline, long timeoutNanos) throws IOException {
    server.configureBlocking(false);
    server.register(selector, SelectionKey.OP_ACCEPT, server);
    outbound.start();
    boolean done = false;
    try {
      while (outbound.connected() == null || fromPrev == null) {
        long now = System.nanoTime();
        if (aborted) {
          throw new RingException(self + ": closed while forming the ring");
        }
        if (now >= deadline) {
          throw timedOut(timeoutNanos);
        }
        outbound.retryIfDue(now);
        long wake = Math.min(deadline, outbound.retryAt());
        for (int i = pending.size() - 1; i >= 0; i--) {
          Inbound in = pending.get(i);
          if (now >= in.deadline) {
            refuse(
                in,
                "silent",
                "sent no complete handshake within " + Durations.text(HANDSHAKE_NANOS));
          } else {
            wake = Math.min(wake, in.deadline);
          }
        }
        selector.select(this::dispatch, Math.max(1, (wake - now) / 1_000_000 + 1));
      }
      done = true;
      return outbound.connected();
    } finally {
      for (Inbound in : new ArrayList<>(pending)) {
        refuse(in, "silent", "the ring was formed before its handshake finished");
      }
      warnings.flush();
      if (!done) {
        outbound.close();
        closeQuietly(fromPrev);
      }
    }
  }

  private void dispatch(SelectionKey key) {
    Object what = key.attachment();
    if (what == server) {
      acceptAll();
    } else if (what == outbound) {
      outbound.handle(key);
    } else {
      ((Inbound) what).handle(key);
    }
  }

  private void acceptAll() {
    while (true) {
      SocketChannel ch;
      try {
        ch = server.accept();
      } catch (IOException e) {
        if (!aborted) { // else close() shut the socket: the loop ends at once, no need to warn
          warnings.warn("accept", "{}: accepting a connection failed: {}", self, e.toString());
        }
        return;
      }
      if (ch == null) {
        return;
      }
      Inbound in = new Inbound(this, ch, System.nanoTime() + HANDSHAKE_NANOS);
      if (pending.size() >= MAX_PENDING) {
        refuse(in, "busy", "too many unfinished handshakes at once");
        continue;
      }
      pending.add(in);
      try {
        ch.configureBlocking(false);
        ch.register(selector, SelectionKey.OP_READ, in);
      } catch (IOException e) {
        refuse(in, "socket", e.toString());
      }
    }
  }

  boolean hasPrevious() {
    return fromPrev != null;
  }

  /** An inbound connection passed the handshake as the previous worker. */
  void admit(Inbound in) {
    pending.remove(in);
    fromPrev = in.channel;
  }

  /**
   * Closes a stray or failed inbound connection and says so at WARN, rate-limited per {@code kind}
   * of refusal.
   */
  void refuse(Inbound in, String kind, String reason) {
    pending.remove(in);
    refused++;
    lastRefusal = "from " + in.remote + ": " + reason;
    warnings.warn(kind, "{}: refused a connection {}", self, lastRefusal);
    closeQuietly(in.channel);
  }

  private RingException timedOut(long timeoutNanos) {
    StringBuilder m =
        new StringBuilder(self)
            .append(": could not form the ring within ")
            .append(Durations.text(timeoutNanos))
            .append(':');
    if (outbound.connected() == null) {
      m.append(' ').append(next).append(" did not complete the handshake");
      if (outbound.lastError() != null) {
        m.append(" (last attempt: ").append(outbound.lastError()).append(')');
      }
      m.append(';');
    }
    if (fromPrev == null) {
      m.append(" no valid connection came from ").append(prev);
      if (refused > 0) {
        m.append(" (refused ")
            .append(refused)
            .append(" other connection(s), the last ")
            .append(lastRefusal)
            .append(')');
      }
      m.append(';');
    }
    m.setLength(m.length() - 1);
    return new RingException(
        m.append(
                ". Is that worker running, listening at that address, and "
                    + "reachable from here? RingOptions connectTimeout sets how long to wait.")
            .toString());
  }

  static void closeQuietly(SocketChannel ch) {
    if (ch == null) {
      return;
    }
    try {
      ch.close();
    } catch (IOException e) {
      // nothing left to release
    }
  }

  static void noDelay(SocketChannel ch) throws IOException {
    ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
  }
}
