package dev.orca.estimator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.context.OrcaContext;
import dev.orca.estimator.internal.spark.SparkTrainer;
import dev.orca.nn.Model;
import dev.orca.nn.Sequential;
import dev.orca.nn.Tensor;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.ReLU;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.metrics.Metric;
import dev.orca.nn.optim.Sgd;
import dev.orca.testing.CapturedLog;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A stranger on the network attacks the driver's task channel while a real fit runs on the spark
 * backend: an endless line, 500 idle connections, forged and garbage hellos. The fit ends with the
 * weights of an undisturbed run, the driver's thread count stays put, the log stays short, and
 * nothing is left open.
 */
class TaskChannelAttackTest {
  private static final String CHANNEL_LOGGER = "dev.orca.launcher.barrier.TaskChannel";
  private static DigitsData.Session digits;

  @BeforeAll
  static void start() {
    digits = DigitsData.Session.start(OrcaContext.builder().cores(2));
  }

  @AfterAll
  static void stop() {
    digits.close();
  }

  @Test
  void attacksOnTheTaskChannelDuringAFitChangeNothing() throws Exception {
    Run undisturbed = fit();

    Gate.arm();
    CompletableFuture<String> address = new CompletableFuture<>();
    SparkListener addressOfTheTrainingJob =
        new SparkListener() {
          @Override
          public void onJobStart(SparkListenerJobStart job) {
            String a = job.properties().getProperty(SparkTrainer.TASK_CHANNEL_PROPERTY);
            if (a != null) {
              address.complete(a);
            }
          }
        };
    digits.orca().spark().sparkContext().addSparkListener(addressOfTheTrainingJob);
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    List<Socket> crowd = new ArrayList<>();
    try (CapturedLog log = new CapturedLog(CHANNEL_LOGGER)) {
      CompletableFuture<Run> attacked = CompletableFuture.supplyAsync(TaskChannelAttackTest::fit);
      String driver = address.get(120, TimeUnit.SECONDS);
      assertTrue(Gate.arrived.await(120, TimeUnit.SECONDS), "the workers did not start training");
      // the workers are connected and wait inside their first training step: attack now
      int before = threads.getThreadCount();
      threads.resetPeakThreadCount();

      // (a) 260 MiB without a line break
      long sent = 0;
      try (Socket endless = dial(driver)) {
        OutputStream out = endless.getOutputStream();
        byte[] mib = new byte[1 << 20];
        Arrays.fill(mib, (byte) 'A');
        try {
          while (sent < 260L << 20) {
            out.write(mib);
            sent += mib.length;
          }
        } catch (IOException e) {
          // the driver closed it (a reset, a broken pipe): expected
        }
      }
      assertTrue(
          sent < 64L << 20,
          "the driver read " + (sent >> 20) + " MiB of a line before closing the connection");

      // (b) a forged hello for rank 0, the old protocol's hello, and garbage
      try (Socket forged = dial(driver)) {
        String challenge = readLine(forged.getInputStream());
        assertNotNull(challenge);
        assertTrue(challenge.startsWith("ORCA-TASK-CHANNEL 1 "), challenge);
        send(forged, "HELLO 0 " + "ab".repeat(16) + " " + "00".repeat(32) + "\n");
        assertEquals("REFUSED wrong job secret", readLine(forged.getInputStream()));
      }
      try (Socket old = dial(driver)) {
        send(old, "HELLO guessed-secret 0\n");
        assertDriverCloses(old);
      }
      try (Socket garbage = dial(driver)) {
        send(garbage, "GET / HTTP/1.1\r\nHost: driver\r\n\r\n");
        assertDriverCloses(garbage);
      }
      // (c) 500 idle connections, held
      for (int i = 0; i < 500; i++) {
        crowd.add(dial(driver));
      }
      int during = threads.getThreadCount();

      // every idle connection is closed by the driver: at once when all handshake slots are
      // taken, else at the handshake deadline
      for (Socket s : crowd) {
        assertDriverCloses(s);
      }
      int peak = threads.getPeakThreadCount();

      Gate.open();
      Run run = attacked.get(300, TimeUnit.SECONDS);
      assertEquals(
          0,
          BackendAgreementTest.maxRelativeDifference(undisturbed.weights(), run.weights()),
          1e-4,
          "the attacked fit ends with the undisturbed weights");
      assertEquals(undisturbed.accuracy(), run.accuracy(), 1e-9, "and the same accuracy");
      assertEquals(undisturbed.loss(), run.loss(), 1e-6, "and the same loss");
      System.out.printf(
          "task channel attack: threads %d before, %d with 500 idle connections, peak %d%n",
          before, during, peak);
      assertTrue(
          peak <= before + 50,
          "the driver's threads went from " + before + " to " + peak + " during the attack");

      // refused: the long line, up to 500 idle ones, a forged hello, an old one and garbage; the
      // log has a few lines of each kind and the counts
      List<String> lines = log.lines();
      long refusals = lines.stream().filter(l -> l.contains("refused a connection")).count();
      long summaries = lines.stream().filter(l -> l.contains("more like it")).count();
      assertTrue(refusals - summaries <= 20 && summaries <= 4, lines.toString());
      assertEquals(1, log.count("its proof of the job secret is wrong (rank 0)"), lines.toString());
    } finally {
      Gate.open();
      digits.orca().spark().sparkContext().removeSparkListener(addressOfTheTrainingJob);
      for (Socket s : crowd) {
        s.close();
      }
    }
    List<String> left =
        Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.isAlive() && t.getName().startsWith("orca-task-channel"))
            .map(Thread::getName)
            .toList();
    assertEquals(List.of(), left, "task channel threads after the fit");
  }

  /** What a fit ended with. */
  private record Run(float[] weights, double accuracy, double loss) {}

  /** Two workers, two epochs of plain SGD: the weights are a fingerprint of the run. */
  private static Run fit() {
    try (Estimator est =
        Estimator.builder()
            .setModel(mlp())
            .setLoss(Loss.sparseCategoricalCrossEntropy())
            .setOptimizer(new Sgd(0.05))
            .optMetrics(new GateMetric())
            .optBackend(Backend.SPARK)
            .optWorkers(2)
            .optCoresPerWorker(1)
            .build()) {
      TrainingHistory h =
          est.fit(
              digits.train(),
              FitConfig.builder()
                  .setEpochs(2)
                  .setBatchSize(32)
                  .optSeed(9)
                  .optProgress(false)
                  .build());
      assertEquals(2, h.epochs().size());
      assertTrue(h.last().trainValue("accuracy") > 0.5, "it learns: " + h.last());
      float[] w = new float[est.getModel().parameterCount()];
      est.getModel().parameters().get(0, w);
      return new Run(w, h.last().trainValue("accuracy"), h.last().trainValue("loss"));
    }
  }

  private static Model mlp() {
    return new Sequential(64)
        .add(new Dense(32))
        .add(new ReLU())
        .add(new Dense(10))
        .optSeed(5)
        .build();
  }

  private static Socket dial(String address) throws IOException {
    int colon = address.lastIndexOf(':');
    Socket s = new Socket();
    s.connect(
        new InetSocketAddress(
            address.substring(0, colon), Integer.parseInt(address.substring(colon + 1))),
        30_000);
    s.setSoTimeout(30_000); // a read that outlives it fails the test: the driver kept it open
    return s;
  }

  private static void send(Socket s, String text) throws IOException {
    s.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
    s.getOutputStream().flush();
  }

  /** Reads until the driver closes the connection (an end of stream or a reset). */
  private static void assertDriverCloses(Socket s) throws IOException {
    try {
      InputStream in = s.getInputStream();
      byte[] buf = new byte[512];
      long total = 0;
      int n;
      while ((n = in.read(buf)) >= 0) {
        total += n;
        assertTrue(total < 512, "the driver talks to a stranger");
      }
    } catch (SocketException e) {
      // reset: closed with unread bytes
    }
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0 && b != '\n') {
      line.write(b);
    }
    return b < 0 ? null : line.toString(StandardCharsets.UTF_8);
  }

  /**
   * Holds the workers (tasks of this JVM, Spark local mode) inside their first training step while
   * armed, until the test opens it. One arrival is enough: the others wait for it in the ring's
   * first all-reduce (a worker may hold no rows of the digits' partitions at all).
   */
  private static final class Gate {
    static volatile CountDownLatch arrived = new CountDownLatch(0);
    static volatile CountDownLatch open = new CountDownLatch(0);

    static void arm() {
      arrived = new CountDownLatch(1);
      open = new CountDownLatch(1);
    }

    static void open() {
      open.countDown();
    }

    static void pass() {
      if (open.getCount() == 0) {
        return;
      }
      arrived.countDown();
      try {
        if (!open.await(300, TimeUnit.SECONDS)) {
          throw new IllegalStateException("the test did not open the gate within 300 s");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Accuracy, with the {@link Gate} in its update. */
  static final class GateMetric implements Metric {
    private static final long serialVersionUID = 1L;
    private final Metric accuracy = Metric.accuracy();

    @Override
    public String name() {
      return accuracy.name();
    }

    @Override
    public int stateSize() {
      return accuracy.stateSize();
    }

    @Override
    public void update(double[] state, Tensor output, Tensor target) {
      Gate.pass();
      accuracy.update(state, output, target);
    }

    @Override
    public double result(double[] state) {
      return accuracy.result(state);
    }
  }
}
