package dev.orca.launcher.barrier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.common.ChallengeResponse;
import dev.orca.launcher.LauncherException;
import dev.orca.testing.CapturedLog;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The driver's task channel over real loopback sockets: a task that knows the secret gets in
 * without sending it; strangers (wrong proofs, replays, garbage, endless lines, silence, crowds)
 * are cut off early and cost the driver no thread each.
 */
class TaskChannelTest {
  private static final String SECRET = "job-secret-0123456789abcdef";
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final Events events = new Events();

  @AfterEach
  void nothingIsLeftRunning() {
    List<String> left =
        Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.isAlive() && t.getName().startsWith("orca-task-channel"))
            .map(Thread::getName)
            .toList();
    assertEquals(List.of(), left, "task channel threads left after close");
  }

  @Test
  void aTaskThatKnowsTheSecretTalksBothWaysAndSaysDone() throws Exception {
    try (TaskChannel channel = TaskChannel.open("127.0.0.1", SECRET, events)) {
      TaskChannel.Client client = TaskChannel.Client.connect(channel.address(), SECRET, 3, TIMEOUT);
      client.send("STEP", "1 2 3\nwith a line break");
      assertEquals("message 3 STEP 1 2 3|with a line break", events.next());
      assertEquals(Set.of(3), channel.connected());
      channel.sendToAll("STOP");
      assertTrue(client.awaitReceived("STOP", TIMEOUT));
      client.close();
      assertEquals("disconnected 3", events.next(), "DONE: not lost");
    }
  }

  @Test
  void aTaskTakesTheDriversAnswersOneByOneAndAStopEndsItsWait() throws Exception {
    try (TaskChannel channel = TaskChannel.open("127.0.0.1", SECRET, events)) {
      TaskChannel.Client client = TaskChannel.Client.connect(channel.address(), SECRET, 0, TIMEOUT);
      // the driver answers what a task said, as in a fit: once the message arrived, the driver has
      // taken the task in (the welcome reaches the task a moment before; under load a line sent at
      // once went to no one)
      client.send("EPOCH", "epoch=1");
      assertEquals("message 0 EPOCH epoch=1", events.next());
      channel.sendToAll("MODEL 2");
      channel.sendToAll("GO 2 0");
      assertEquals("GO 2 0", client.take(l -> l.startsWith("GO 2 "), TIMEOUT));
      assertEquals("MODEL 2", client.take(l -> l.startsWith("MODEL "), TIMEOUT));
      assertNull(client.take(l -> l.startsWith("GO 2 "), Duration.ofMillis(50)), "taken once");
      channel.sendToAll("STOP");
      assertEquals("STOP", client.take(l -> l.startsWith("GO 3 "), TIMEOUT));
      client.close();
      assertEquals("disconnected 0", events.next());
    }
  }

  @Test
  void theSecretNeverCrossesTheWire() throws Exception {
    try (TaskChannel channel = TaskChannel.open("127.0.0.1", SECRET, events);
        Relay relay = new Relay(channel.address())) {
      TaskChannel.Client client = TaskChannel.Client.connect(relay.address(), SECRET, 0, TIMEOUT);
      client.send("EPOCH", "epoch=0");
      assertEquals("message 0 EPOCH epoch=0", events.next());
      channel.sendToAll("STOP");
      assertTrue(client.awaitReceived("STOP", TIMEOUT));
      client.close();
      assertEquals("disconnected 0", events.next());
      String wire = relay.recorded();
      assertTrue(wire.startsWith("ORCA-TASK-CHANNEL 1 "), wire);
      assertTrue(wire.contains("HELLO 0 ") && wire.contains("WELCOME "), wire);
      assertFalse(wire.contains(SECRET), "the secret crossed the wire: " + wire);
      assertFalse(
          wire.contains(HexFormat.of().formatHex(SECRET.getBytes(StandardCharsets.UTF_8))), wire);
    }
  }

  @Test
  void aWrongSecretIsRefusedAndTheTaskIsToldWhy() throws Exception {
    try (CapturedLog log = new CapturedLog(TaskChannel.class.getName());
        TaskChannel channel = TaskChannel.open("127.0.0.1", SECRET, events)) {
      LauncherException e =
          assertThrows(
              LauncherException.class,
              () -> TaskChannel.Client.connect(channel.address(), "another job", 1, TIMEOUT));
      assertTrue(e.getMessage().contains("refused task 1: wrong job secret"), e.getMessage());
      assertEquals(
          1, log.count("its proof of the job secret is wrong (rank 1)"), log.lines().toString());
      assertEquals(Set.of(), channel.connected());
    }
    assertTrue(events.none(), "nothing reached the listener");
  }

  @Test
  void aRecordedAnswerReplayedOnAnotherConnectionIsRefused() throws Exception {
    ChannelHandshake handshake = new ChannelHandshake(SECRET);
    try (TaskChannel channel = TaskChannel.open("127.0.0.1", SECRET, events)) {
      String recordedHello;
      byte[] firstChallenge;
      try (Raw first = new Raw(channel.address())) {
        firstChallenge = ChannelHandshake.parseChallenge(first.line());
        recordedHello = handshake.hello(2, firstChallenge, ChallengeResponse.nonce());
        first.send(recordedHello + "\n");
        assertTrue(first.line().startsWith("WELCOME "), "the original is admitted");
        first.send("DONE\n");
        assertEquals("disconnected 2", events.next());
      }
      try (Raw replay = new Raw(channel.address())) {
        byte[] secondChallenge = ChannelHandshake.parseChallenge(replay.line());
        assertFalse(Arrays.equals(firstChallenge, secondChallenge), "a fresh challenge");
        replay.send(recordedHello + "\n");
        assertEquals("REFUSED wrong job secret", replay.line());
        assertNull(replay.line(), "closed");
      }
    }
    assertTrue(events.none(), "the replay reached nothing");
  }

  @Test
  void strangersAreCutOffAfterOneShortLine() throws Exception {
    try (CapturedLog log = new CapturedLog(TaskChannel.class.getName());
        TaskChannel channel = TaskChannel.open("127.0.0.1", SECRET, events)) {
      // an endless line: the driver reads a hello line's worth, no more
      try (Raw endless = new Raw(channel.address())) {
        assertNotNull(ChannelHandshake.parseChallenge(endless.line()));
        byte[] noLineBreak = new byte[ChannelHandshake.MAX_HANDSHAKE_LINE + 44];
        Arrays.fill(noLineBreak, (byte) 'x');
        endless.send(noLineBreak);
        assertNull(endless.lineOrReset(), "closed");
      }
      // the hello of the old protocol, with the secret in clear
      try (Raw old = new Raw(channel.address())) {
        old.line();
        old.send("HELLO " + SECRET + " 0\n");
        assertNull(old.lineOrReset(), "closed");
      }
      // something else entirely
      try (Raw http = new Raw(channel.address())) {
        http.line();
        http.send("GET / HTTP/1.1\r\nHost: driver\r\n\r\n");
        assertNull(http.lineOrReset(), "closed");
      }
      // and the channel still serves its tasks
      TaskChannel.Client client = TaskChannel.Client.connect(channel.address(), SECRET, 0, TIMEOUT);
      client.close();
      assertEquals("disconnected 0", events.next());
      assertEquals(
          1,
          log.count("bytes without a line break, more than any hello; not a task of this stage"),
          log.lines().toString());
      assertEquals(
          1, log.count("not a task channel hello (it began 'HELLO')"), log.lines().toString());
      assertEquals(
          1, log.count("not a task channel hello (it began 'GET')"), log.lines().toString());
      assertEquals(0, log.count(SECRET.substring(0, 6)), "no part of the secret in the log");
    }
    assertTrue(events.none());
  }

  @Test
  void aSilentConnectionIsClosedAtTheHandshakeDeadline() throws Exception {
    try (CapturedLog log = new CapturedLog(TaskChannel.class.getName());
        TaskChannel channel =
            TaskChannel.open(
                "127.0.0.1", SECRET, events, new TaskChannel.Limits(16, Duration.ofMillis(200)));
        Raw silent = new Raw(channel.address())) {
      assertNotNull(ChannelHandshake.parseChallenge(silent.line()));
      assertNull(silent.line(), "closed by the driver, not by this test's read timeout");
      assertEquals(1, log.count("sent no hello within 200 ms"), log.lines().toString());
    }
    assertTrue(events.none());
  }

  @Test
  void connectionsInTheirHandshakeAreCappedAndATaskStillGetsIn() throws Exception {
    List<Raw> crowd = new ArrayList<>();
    try (CapturedLog log = new CapturedLog(TaskChannel.class.getName())) {
      try (TaskChannel channel =
          TaskChannel.open(
              "127.0.0.1", SECRET, events, new TaskChannel.Limits(4, Duration.ofSeconds(60)))) {
        int threadsBefore = channelThreads();
        int challenged = 0;
        int busy = 0;
        for (int i = 0; i < 20; i++) {
          Raw r = new Raw(channel.address());
          crowd.add(r);
          String first = r.line();
          if (ChannelHandshake.parseChallenge(first) != null) {
            challenged++;
          } else {
            assertEquals(ChannelHandshake.BUSY, first);
            assertNull(r.line(), "a busy refusal closes at once");
            busy++;
          }
        }
        assertEquals(4, challenged, "four handshake slots");
        assertEquals(16, busy);
        assertEquals(threadsBefore, channelThreads(), "no thread per connection");

        // a task arriving now is told BUSY and retries; it gets in once the crowd leaves
        CompletableFuture<TaskChannel.Client> task =
            CompletableFuture.supplyAsync(
                () -> TaskChannel.Client.connect(channel.address(), SECRET, 5, TIMEOUT));
        for (Raw r : crowd) {
          r.close();
        }
        TaskChannel.Client client = task.get(60, TimeUnit.SECONDS);
        client.send("STARTED", "ok");
        assertEquals("message 5 STARTED ok", events.next());
        client.close();
        assertEquals("disconnected 5", events.next());
      }
      // the 16 refusals (and the task's own, while it waited) are five lines and a count
      List<String> counts = log.lines().stream().filter(l -> l.contains("more like it")).toList();
      assertEquals(
          5,
          log.lines().stream()
              .filter(l -> l.contains("handshakes at once already") && !l.contains("more like it"))
              .count(),
          log.lines().toString());
      assertEquals(1, counts.size(), log.lines().toString());
      long more = Long.parseLong(counts.get(0).replaceAll(".*\\.\\.\\. and (\\d+) more.*", "$1"));
      assertTrue(more >= 11, counts.get(0));
    } finally {
      for (Raw r : crowd) {
        r.close();
      }
    }
  }

  @Test
  void aLineLongerThanTheLimitAfterTheHandshakeIsALostConnection() throws Exception {
    try (TaskChannel channel = TaskChannel.open("127.0.0.1", SECRET, events);
        Raw task = new Raw(channel.address())) {
      task.handshake(new ChannelHandshake(SECRET), 7);
      task.send("STEP 1\n");
      assertEquals("message 7 STEP 1", events.next());
      byte[] tooLong = new byte[ChannelHandshake.MAX_LINE + 1];
      Arrays.fill(tooLong, (byte) 'y');
      task.send(tooLong);
      String lost = events.next();
      assertTrue(lost.startsWith("lost 7 the task sent a line longer than 65536 bytes"), lost);
      assertEquals("disconnected 7", events.next());
      assertNull(task.lineOrReset(), "closed");
      assertEquals(Set.of(), channel.connected());
    }
  }

  @Test
  void aLongDetailIsCutToFitTheLine() throws Exception {
    try (TaskChannel channel = TaskChannel.open("127.0.0.1", SECRET, events)) {
      TaskChannel.Client client = TaskChannel.Client.connect(channel.address(), SECRET, 0, TIMEOUT);
      client.send("FAILED", "é".repeat(40_000)); // 80,000 bytes in UTF-8
      String message = events.next();
      assertTrue(message.startsWith("message 0 FAILED éé") && message.endsWith("é [cut]"));
      int bytes =
          ("FAILED " + message.substring("message 0 FAILED ".length()))
              .getBytes(StandardCharsets.UTF_8)
              .length;
      assertTrue(
          bytes <= ChannelHandshake.MAX_LINE && bytes > ChannelHandshake.MAX_LINE - 10, "" + bytes);
      client.close();
      assertEquals("disconnected 0", events.next(), "still a good connection");
    }
  }

  @Test
  void aDriverThatCannotProveItKnowsTheSecretGetsNothing() throws Exception {
    try (ServerSocket impostor = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      CompletableFuture<String> heard =
          CompletableFuture.supplyAsync(
              () -> {
                try (Socket s = impostor.accept()) {
                  OutputStream out = s.getOutputStream();
                  out.write(
                      (ChannelHandshake.challenge(ChallengeResponse.nonce()) + "\n")
                          .getBytes(StandardCharsets.UTF_8));
                  String hello = readLine(s.getInputStream());
                  out.write(("WELCOME " + "00".repeat(32) + "\n").getBytes(StandardCharsets.UTF_8));
                  return hello + "|" + readLine(s.getInputStream());
                } catch (IOException e) {
                  throw new IllegalStateException(e);
                }
              });
      LauncherException e =
          assertThrows(
              LauncherException.class,
              () ->
                  TaskChannel.Client.connect(
                      "127.0.0.1:" + impostor.getLocalPort(), SECRET, 4, TIMEOUT));
      assertTrue(
          e.getMessage().contains("did not prove that it knows the job secret"), e.getMessage());
      String got = heard.get(30, TimeUnit.SECONDS);
      assertTrue(got.startsWith("HELLO 4 ") && got.endsWith("|null"), "then nothing: " + got);
      assertFalse(got.contains(SECRET));
    }
  }

  private static int channelThreads() {
    return (int)
        Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.isAlive() && t.getName().startsWith("orca-task-channel"))
            .count();
  }

  /** One line from a stream, bytes up to '\n'; null at its end. */
  static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0) {
      if (b == '\n') {
        return line.toString(StandardCharsets.UTF_8);
      }
      line.write(b);
    }
    return null;
  }

  /** What the channel told its listener, in order. */
  private static final class Events implements TaskChannel.Listener {
    private final BlockingQueue<String> queue = new LinkedBlockingQueue<>();

    @Override
    public void message(int rank, String kind, String detail) {
      queue.add("message " + rank + " " + kind + " " + detail);
    }

    @Override
    public void lost(int rank, String why) {
      queue.add("lost " + rank + " " + why);
    }

    @Override
    public void disconnected(int rank) {
      queue.add("disconnected " + rank);
    }

    String next() throws InterruptedException {
      String e = queue.poll(30, TimeUnit.SECONDS);
      assertNotNull(e, "no event from the task channel within 30 s");
      return e;
    }

    boolean none() {
      return queue.isEmpty();
    }
  }

  /** A plain socket to the channel, speaking lines by hand. */
  private static final class Raw implements AutoCloseable {
    final Socket socket = new Socket();

    Raw(String address) throws IOException {
      int colon = address.lastIndexOf(':');
      socket.connect(
          new InetSocketAddress(
              address.substring(0, colon), Integer.parseInt(address.substring(colon + 1))),
          30_000);
      socket.setSoTimeout(30_000);
    }

    String line() throws IOException {
      return readLine(socket.getInputStream());
    }

    /** A line, or null at the end of the stream or a reset (a socket closed with unread bytes). */
    String lineOrReset() throws IOException {
      try {
        return line();
      } catch (SocketException e) {
        return null;
      }
    }

    void send(String text) throws IOException {
      send(text.getBytes(StandardCharsets.UTF_8));
    }

    void send(byte[] bytes) throws IOException {
      socket.getOutputStream().write(bytes);
      socket.getOutputStream().flush();
    }

    void handshake(ChannelHandshake handshake, int rank) throws IOException {
      byte[] nonceD = ChannelHandshake.parseChallenge(line());
      byte[] nonceT = ChallengeResponse.nonce();
      send(handshake.hello(rank, nonceD, nonceT) + "\n");
      assertTrue(handshake.driverProven(line(), rank, nonceT, nonceD));
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  /** A TCP relay between a task and the driver that records every byte both ways. */
  private static final class Relay implements AutoCloseable {
    private final ServerSocket server = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
    private final ByteArrayOutputStream recorded = new ByteArrayOutputStream();
    private final List<Thread> pumps = new ArrayList<>();
    private final List<Socket> sockets = new ArrayList<>();

    Relay(String target) throws IOException {
      int colon = target.lastIndexOf(':');
      Thread acceptor =
          new Thread(
              () -> {
                try {
                  Socket task = server.accept();
                  Socket driver =
                      new Socket(
                          target.substring(0, colon),
                          Integer.parseInt(target.substring(colon + 1)));
                  synchronized (sockets) {
                    sockets.add(task);
                    sockets.add(driver);
                  }
                  pump(task, driver);
                  pump(driver, task);
                } catch (IOException e) {
                  // the test closed the relay
                }
              });
      acceptor.start();
      pumps.add(acceptor);
    }

    String address() {
      return "127.0.0.1:" + server.getLocalPort();
    }

    private void pump(Socket from, Socket to) {
      Thread t =
          new Thread(
              () -> {
                byte[] buf = new byte[4096];
                try (InputStream in = from.getInputStream();
                    OutputStream out = to.getOutputStream()) {
                  int n;
                  while ((n = in.read(buf)) >= 0) {
                    synchronized (recorded) {
                      recorded.write(buf, 0, n);
                    }
                    out.write(buf, 0, n);
                  }
                } catch (IOException e) {
                  // one side closed
                }
              });
      t.start();
      synchronized (pumps) {
        pumps.add(t);
      }
    }

    String recorded() {
      synchronized (recorded) {
        return recorded.toString(StandardCharsets.UTF_8);
      }
    }

    @Override
    public void close() throws Exception {
      server.close();
      synchronized (sockets) {
        for (Socket s : sockets) {
          s.close();
        }
      }
      List<Thread> all;
      synchronized (pumps) {
        all = new ArrayList<>(pumps);
      }
      for (Thread t : all) {
        t.join(10_000);
      }
    }
  }
}
