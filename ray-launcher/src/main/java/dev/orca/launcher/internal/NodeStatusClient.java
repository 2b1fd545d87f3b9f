package dev.orca.launcher.internal;

import dev.orca.launcher.LauncherException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A Ray node task's end of the status channel. Messages, one line each: {@code HELLO <secret>
 * <rank>}, then {@code STARTED <details>}, {@code FAILED <message>} or {@code STOPPED <details>},
 * and {@code DONE} when the task ends of its own accord; a connection that closes without
 * {@code DONE} means the task or its executor was lost. The driver answers only {@code STOP}; when
 * the driver goes away the connection closes, which the task takes as a stop too.
 */
public final class NodeStatusClient implements AutoCloseable {
  private final Socket socket;
  private final Writer out;
  private final Thread reader;
  private volatile boolean stopRequested;

  private NodeStatusClient(Socket socket) throws IOException {
    this.socket = socket;
    this.out = new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.UTF_8);
    BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    this.reader = new Thread(() -> {
      try {
        String line;
        while ((line = in.readLine()) != null && !"STOP".equals(line)) {
          // nothing else is sent
        }
      } catch (IOException e) {
        // the connection is gone: the same as being told to stop
      }
      stopRequested = true;
    }, "orca-ray-node-stop-listener");
    reader.setDaemon(true);
    reader.start();
  }

  /** Connects to the driver at {@code address} and says hello. */
  public static NodeStatusClient connect(String address, String secret, int rank, Duration timeout) {
    int colon = address.lastIndexOf(':');
    String host = address.substring(0, colon);
    int port = Integer.parseInt(address.substring(colon + 1));
    Socket socket = new Socket();
    try {
      socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
      NodeStatusClient client = new NodeStatusClient(socket);
      client.send("HELLO " + secret + " " + rank);
      return client;
    } catch (IOException e) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // already failing
      }
      throw new LauncherException("Ray node " + rank + " cannot reach the driver's status channel at "
          + address + " within " + timeout.toSeconds() + " s: " + e.getMessage(), e);
    }
  }

  public void started(String details) {
    send("STARTED " + oneLine(details));
  }

  public void failed(String message) {
    send("FAILED " + oneLine(message));
  }

  public void stopped(String details) {
    send("STOPPED " + oneLine(details));
  }

  /** True once the driver said STOP or went away. */
  public boolean stopRequested() {
    return stopRequested;
  }

  private synchronized void send(String line) {
    try {
      out.write(line + "\n");
      out.flush();
    } catch (IOException e) {
      stopRequested = true; // the driver is gone
    }
  }

  private static String oneLine(String s) {
    return String.valueOf(s).replace('\n', '|').replace('\r', ' ');
  }

  /** Says DONE and closes. */
  @Override
  public void close() {
    send("DONE");
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
