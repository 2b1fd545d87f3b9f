package dev.orca.launcher.barrier;

import dev.orca.common.ChallengeResponse;
import dev.orca.common.RepeatedWarnings;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The door of the driver's task channel: accepts connections and runs their {@link
 * ChannelHandshake}s, all on one thread with one selector, at most {@code slots} at a time, each
 * within a deadline. A connection beyond the slots is closed at once (after a {@code BUSY} line, so
 * a task knows to retry); one that sends more than a hello line's worth without a line break, a
 * wrong proof or nothing in time is closed too. Only a task that proves it knows the job secret
 * gets through, as a blocking channel handed to the {@link Admission}. Refusals are logged through
 * {@link RepeatedWarnings}, so a flood of them does not flood the log.
 */
final class ChannelDoor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TaskChannel.class);

  /** Takes over a connection that passed the handshake. */
  interface Admission {
    void admit(SocketChannel channel, int rank) throws IOException;
  }

  private final ServerSocketChannel server;
  private final ChannelHandshake handshake;
  private final TaskChannel.Limits limits;
  private final RepeatedWarnings warnings;
  private final Admission admission;
  private final Selector selector;
  private final Thread thread;
  private final List<Visitor> pending = new ArrayList<>();
  private final List<Visitor> admitted = new ArrayList<>();
  private volatile boolean closed;

  ChannelDoor(
      ServerSocketChannel server,
      ChannelHandshake handshake,
      TaskChannel.Limits limits,
      RepeatedWarnings warnings,
      Admission admission)
      throws IOException {
    this.server = server;
    this.handshake = handshake;
    this.limits = limits;
    this.warnings = warnings;
    this.admission = admission;
    this.selector = Selector.open();
    server.configureBlocking(false);
    server.register(selector, SelectionKey.OP_ACCEPT);
    this.thread = new Thread(this::run, "orca-task-channel");
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    try {
      while (!closed) {
        long now = System.nanoTime();
        long wake = Long.MAX_VALUE;
        for (Visitor v : new ArrayList<>(pending)) {
          if (now >= v.deadline) {
            refuse(v, "silent", "sent no hello within " + millis(limits.handshakeDeadline()));
          } else {
            wake = Math.min(wake, v.deadline);
          }
        }
        selector.select(wake == Long.MAX_VALUE ? 0 : Math.max(1, (wake - now) / 1_000_000 + 1));
        Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
        while (keys.hasNext()) {
          SelectionKey key = keys.next();
          keys.remove();
          if (!key.isValid()) {
            continue;
          }
          if (key.isAcceptable()) {
            acceptAll();
          } else if (key.isReadable()) {
            read((Visitor) key.attachment());
          }
        }
        handOver();
      }
    } catch (IOException | RuntimeException e) {
      if (!closed) {
        LOG.warn("The driver's task channel stopped accepting: {}", e.toString());
      }
    } finally {
      for (Visitor v : new ArrayList<>(pending)) {
        closeQuietly(v.channel);
      }
      pending.clear();
      try {
        selector.close();
      } catch (IOException e) {
        LOG.debug("closing the task channel's selector", e);
      }
    }
  }

  private void acceptAll() {
    while (true) {
      SocketChannel ch;
      try {
        ch = server.accept();
      } catch (IOException e) {
        if (!closed) { // e.g. out of file descriptors: the next select tries again
          warnings.warn("accept", "The driver's task channel could not accept: {}", e.toString());
        }
        return;
      }
      if (ch == null) {
        return;
      }
      Visitor v = new Visitor(ch, System.nanoTime() + limits.handshakeDeadline().toNanos());
      try {
        ch.configureBlocking(false);
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        if (pending.size() >= limits.handshakeSlots()) {
          refuse(
              v,
              "busy",
              limits.handshakeSlots()
                  + " handshakes at once already, more than the tasks of a stage start at once",
              ChannelHandshake.BUSY);
          continue;
        }
        pending.add(v);
        if (!writeAll(v, ChannelHandshake.challenge(v.nonceD))) {
          continue;
        }
        ch.register(selector, SelectionKey.OP_READ, v);
      } catch (IOException e) {
        refuse(v, "socket", e.toString());
      }
    }
  }

  private void read(Visitor v) {
    try {
      if (v.channel.read(v.in) < 0) {
        refuse(v, "closed", "it closed the connection during the handshake");
        return;
      }
      int end = -1;
      for (int i = 0; i < v.in.position() && end < 0; i++) {
        end = v.in.get(i) == '\n' ? i : -1;
      }
      if (end < 0) {
        if (!v.in.hasRemaining()) {
          refuse(
              v,
              "garbage",
              "it sent "
                  + ChannelHandshake.MAX_HANDSHAKE_LINE
                  + " bytes without a line break, more than any hello; not a task of this stage");
        }
        return;
      }
      String line = new String(v.in.array(), 0, end, StandardCharsets.UTF_8);
      ChannelHandshake.Hello hello = ChannelHandshake.parseHello(line);
      if (hello == null) {
        refuse(v, "garbage", "not a task channel hello (it began " + firstWord(line) + ")");
      } else if (end != v.in.position() - 1) {
        refuse(v, "garbage", "it sent more than a hello before it was admitted");
      } else if (!handshake.taskProven(hello, v.nonceD)) {
        refuse(
            v,
            "wrong secret",
            "its proof of the job secret is wrong (rank " + hello.rank() + ")",
            ChannelHandshake.REFUSED + "wrong job secret");
      } else if (writeAll(v, handshake.welcome(hello, v.nonceD))) {
        pending.remove(v);
        v.key().cancel();
        v.rank = hello.rank();
        admitted.add(v);
      }
    } catch (IOException e) {
      refuse(v, "socket", e.toString());
    }
  }

  /** Hands the admitted channels over, in blocking mode: their keys must be gone first. */
  private void handOver() throws IOException {
    if (admitted.isEmpty()) {
      return;
    }
    selector.selectNow(); // deregisters the cancelled keys
    for (Visitor v : admitted) {
      try {
        v.channel.configureBlocking(true);
        admission.admit(v.channel, v.rank);
      } catch (IOException e) {
        closeQuietly(v.channel);
        LOG.warn("Could not take over the connection of task {}: {}", v.rank, e.toString());
      }
    }
    admitted.clear();
  }

  private boolean writeAll(Visitor v, String text) throws IOException {
    ByteBuffer b = line(text);
    v.channel.write(b);
    if (b.hasRemaining()) {
      // a fresh socket always takes a few dozen bytes; anything else is a broken connection
      refuse(v, "socket", "the socket did not take " + b.capacity() + " handshake bytes");
      return false;
    }
    return true;
  }

  private void refuse(Visitor v, String kind, String reason) {
    refuse(v, kind, reason, null);
  }

  /** Logs (first, so the log has it once the other end sees the refusal), answers, closes. */
  private void refuse(Visitor v, String kind, String reason, String answer) {
    pending.remove(v);
    warnings.warn(
        kind, "The driver's task channel refused a connection from {}: {}", v.remote, reason);
    if (answer != null) {
      try {
        v.channel.write(line(answer)); // best effort: it is closed either way
      } catch (IOException e) {
        // closed below
      }
    }
    closeQuietly(v.channel);
  }

  /** Stops accepting, closes the connections still in their handshake, and waits for the thread. */
  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      LOG.debug("closing the task channel", e);
    }
    selector.wakeup();
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static ByteBuffer line(String text) {
    return ByteBuffer.wrap((text + "\n").getBytes(StandardCharsets.UTF_8));
  }

  private static String millis(java.time.Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  /**
   * The first word of what a stranger sent, safe for a log line; no more, since an old task's hello
   * carried the secret after it.
   */
  private static String firstWord(String line) {
    StringBuilder s = new StringBuilder("'");
    for (int i = 0; i < Math.min(16, line.length()) && line.charAt(i) != ' '; i++) {
      char c = line.charAt(i);
      s.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return s.append('\'').toString();
  }

  private static void closeQuietly(SocketChannel ch) {
    try {
      ch.close();
    } catch (IOException e) {
      // nothing left to release
    }
  }

  /** A connection in its handshake. */
  private final class Visitor {
    final SocketChannel channel;
    final long deadline;
    final String remote;
    final byte[] nonceD = ChallengeResponse.nonce();
    final ByteBuffer in = ByteBuffer.allocate(ChannelHandshake.MAX_HANDSHAKE_LINE);
    int rank;

    Visitor(SocketChannel channel, long deadline) {
      this.channel = channel;
      this.deadline = deadline;
      String r;
      try {
        r = String.valueOf(channel.getRemoteAddress());
      } catch (IOException e) {
        r = "an unknown address";
      }
      this.remote = r;
    }

    SelectionKey key() {
      return channel.keyFor(selector);
    }
  }
}
