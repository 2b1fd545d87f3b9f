package dev.orca.collective;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;

/** Rings of several workers as threads of the test JVM, over real loopback sockets. */
final class RingHarness {
  static final String SECRET = "test-secret-0123456789";

  private RingHarness() {}

  /** What one worker does; runs on its own thread. */
  @FunctionalInterface
  interface RankTask<T> {
    T run(int rank, RingAllReduce ring) throws Exception;
  }

  static RingOptions.Builder options() {
    return RingOptions.builder()
        .setSecret(SECRET)
        .optTimeout(Duration.ofSeconds(20))
        .optConnectTimeout(Duration.ofSeconds(20));
  }

  /** Opens {@code n} endpoints and forms them into a ring; the caller closes them. */
  static List<RingAllReduce> form(int n, UnaryOperator<RingOptions.Builder> custom)
      throws Exception {
    List<RingAllReduce> rings = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        rings.add(RingAllReduce.open(custom.apply(options()).build()));
      }
      List<String> addresses = new ArrayList<>();
      for (RingAllReduce r : rings) {
        addresses.add(r.localAddress());
      }
      onEach(
          rings,
          (rank, ring) -> {
            ring.connect(addresses, rank);
            return null;
          });
      return rings;
    } catch (Exception | Error e) {
      closeAll(rings);
      throw e;
    }
  }

  static List<RingAllReduce> form(int n) throws Exception {
    return form(n, b -> b);
  }

  /**
   * Like {@link #form(int, UnaryOperator)} with {@code transport} forced; for {@link
   * Transport#HIERARCHICAL} the first half of the ranks count as host group "a", the rest as "b",
   * and shared-memory segments go to a directory of their own under /dev/shm.
   */
  static List<RingAllReduce> form(
      int n, Transport transport, UnaryOperator<RingOptions.Builder> custom) throws Exception {
    return form(
        n,
        transport,
        rank -> transport == Transport.HIERARCHICAL ? (rank < (n + 1) / 2 ? "a" : "b") : null,
        custom);
  }

  /** Like the above, with each rank's host group (or null for none) from {@code groupOf}. */
  static List<RingAllReduce> form(
      int n,
      Transport transport,
      IntFunction<String> groupOf,
      UnaryOperator<RingOptions.Builder> custom)
      throws Exception {
    List<RingAllReduce> rings = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        RingOptions.Builder b =
            custom.apply(options().optTransport(transport).optSharedMemoryDirectory(shm()));
        if (groupOf.apply(i) != null) {
          b.optHostGroup(groupOf.apply(i));
        }
        rings.add(RingAllReduce.open(b.build()));
      }
      List<String> addresses = new ArrayList<>();
      for (RingAllReduce r : rings) {
        addresses.add(r.localAddress());
      }
      onEach(
          rings,
          (rank, ring) -> {
            ring.connect(addresses, rank);
            return null;
          });
      return rings;
    } catch (Exception | Error e) {
      closeAll(rings);
      throw e;
    }
  }

  /**
   * A directory of this test JVM under /dev/shm for the segments of the tests' rings, made on first
   * use (a child JVM gets it as an argument) and removed when the JVM exits.
   */
  static Path shm() {
    return ShmDirectory.PATH;
  }

  private static final class ShmDirectory {
    static final Path PATH = make();

    private static Path make() {
      try {
        Path dir =
            Files.createTempDirectory(
                RingOptions.DEFAULT_SHARED_MEMORY_DIRECTORY, "orca-collective-test-");
        Runtime.getRuntime()
            .addShutdownHook(
                new Thread(
                    () -> {
                      try (Stream<Path> files = Files.list(dir)) {
                        for (Path f : files.toList()) {
                          Files.deleteIfExists(f);
                        }
                        Files.deleteIfExists(dir);
                      } catch (IOException e) {
                        // best effort at exit
                      }
                    }));
        return dir;
      } catch (IOException e) {
        throw new IllegalStateException("cannot make a test directory under /dev/shm", e);
      }
    }
  }

  /** The files in {@link #shm()}: none, once every ring of a test has formed or closed. */
  static List<String> shmFiles() throws IOException {
    try (Stream<Path> files = Files.list(shm())) {
      return files.map(f -> f.getFileName().toString()).sorted().toList();
    }
  }

  /** Lines of /proc/self/maps that map a file of {@link #shm()}. */
  static List<String> shmMappings() throws IOException {
    return Files.readAllLines(Path.of("/proc/self/maps")).stream()
        .filter(l -> l.contains(shm().toString()))
        .toList();
  }

  /** Runs {@code task} on every worker at once and returns the results in rank order. */
  static <T> List<T> onEach(List<RingAllReduce> rings, RankTask<T> task) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(rings.size());
    try {
      List<Future<T>> futures = new ArrayList<>();
      for (int i = 0; i < rings.size(); i++) {
        int rank = i;
        futures.add(pool.submit(() -> task.run(rank, rings.get(rank))));
      }
      List<T> results = new ArrayList<>();
      for (Future<T> f : futures) {
        try {
          results.add(f.get(120, TimeUnit.SECONDS));
        } catch (ExecutionException e) {
          if (e.getCause() instanceof Exception) {
            throw (Exception) e.getCause();
          }
          throw e;
        }
      }
      return results;
    } finally {
      pool.shutdownNow();
      pool.awaitTermination(30, TimeUnit.SECONDS);
    }
  }

  /** Every worker all-reduces its {@link #filled} buffer; each must end with the serial sum. */
  static void assertSumsEverywhere(List<RingAllReduce> rings, int size) throws Exception {
    List<float[]> results =
        onEach(
            rings,
            (rank, ring) -> {
              FloatBuffer buf = filled(rank, size);
              ring.allReduce(buf);
              return toArray(buf);
            });
    float[] expected = serialSum(rings.size(), size);
    for (int r = 0; r < rings.size(); r++) {
      Assertions.assertArrayEquals(
          expected,
          results.get(r),
          "worker " + r + " of " + rings.size() + ", " + size + " floats");
    }
  }

  static void closeAll(List<RingAllReduce> rings) {
    for (RingAllReduce r : rings) {
      r.close();
    }
  }

  static FloatBuffer direct(int n) {
    return ByteBuffer.allocateDirect(n * Float.BYTES)
        .order(ByteOrder.nativeOrder())
        .asFloatBuffer();
  }

  /** Worker {@code rank}'s integer-valued test data: every sum is exact in float. */
  static float value(int rank, int i) {
    return ((i * 31 + rank * 17) % 201) - 100;
  }

  static FloatBuffer filled(int rank, int n) {
    FloatBuffer b = direct(n);
    for (int i = 0; i < n; i++) {
      b.put(i, value(rank, i));
    }
    return b;
  }

  static float[] serialSum(int workers, int n) {
    float[] sum = new float[n];
    for (int r = 0; r < workers; r++) {
      for (int i = 0; i < n; i++) {
        sum[i] += value(r, i);
      }
    }
    return sum;
  }

  static float[] toArray(FloatBuffer b) {
    float[] a = new float[b.limit()];
    b.get(0, a);
    return a;
  }

  /** Names of the ring's live threads in this JVM. */
  static List<String> ringThreads() {
    List<String> names = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.isAlive() && t.getName().startsWith("orca-ring-")) {
        names.add(t.getName());
      }
    }
    return names;
  }
}
