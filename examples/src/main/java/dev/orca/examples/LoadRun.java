package dev.orca.examples;

import dev.orca.OrcaException;
import dev.orca.nn.Model;
import dev.orca.nn.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One load test of a model: {@code threads} threads send one-row requests through the same {@link
 * Model} at once, each into its own input and output tensors (so a request allocates nothing),
 * timing every request and checking its answer against the single-threaded one.
 */
final class LoadRun {
  private static final int WARM_UP = 500;
  private static final long TIMEOUT_MINUTES = 10;
  private final Model model;
  private final float[][] rows;
  private final int[] expected;
  private final int threads;
  private final int requests;

  /** What one load test measured; {@code nanos} sorted. */
  record Report(int threads, long requests, double seconds, long[] nanos, long mismatches) {
    double throughput() {
      return requests / seconds;
    }

    double percentileMicros(double p) {
      int rank = (int) Math.ceil(p / 100 * nanos.length);
      return nanos[Math.max(0, Math.min(nanos.length - 1, rank - 1))] / 1e3;
    }

    @Override
    public String toString() {
      return String.format(
          Locale.ROOT,
          "%d thread(s): %d requests in %.2f s, %.0f/s; latency p50 %.1f us, p95 %.1f us,"
              + " p99 %.1f us, max %.0f us; %d answers differ",
          threads,
          requests,
          seconds,
          throughput(),
          percentileMicros(50),
          percentileMicros(95),
          percentileMicros(99),
          percentileMicros(100),
          mismatches);
    }
  }

  LoadRun(Model model, float[][] rows, int[] expected, int threads, int requests) {
    this.model = model;
    this.rows = rows;
    this.expected = expected;
    this.threads = threads;
    this.requests = requests;
  }

  /** The class (arg max) the model gives each row, from one batch call on this thread. */
  static int[] classes(Model model, float[][] rows) {
    int width = rows[0].length;
    try (Tensor x = Tensor.zeros(rows.length, width);
        Tensor y = model.predict(x.copyFrom(flat(rows)))) {
      int classes = y.size() / rows.length;
      int[] out = new int[rows.length];
      for (int r = 0; r < rows.length; r++) {
        out[r] = argMax(y, r * classes, classes);
      }
      return out;
    }
  }

  Report run() {
    ExecutorService pool =
        Executors.newFixedThreadPool(
            threads,
            r -> {
              Thread t = new Thread(r, "serving-request");
              t.setDaemon(true);
              return t;
            });
    CountDownLatch ready = new CountDownLatch(threads);
    CountDownLatch start = new CountDownLatch(1);
    long[][] nanos = new long[threads][];
    List<Future<Long>> results = new ArrayList<>();
    try {
      for (int t = 0; t < threads; t++) {
        int thread = t;
        nanos[t] = new long[requests / threads + (t < requests % threads ? 1 : 0)];
        results.add(pool.submit(() -> requests(thread, nanos[thread], ready, start)));
      }
      await(ready, "the " + threads + " request threads to warm up");
      long t0 = System.nanoTime();
      start.countDown();
      long mismatches = 0;
      for (int t = 0; t < threads; t++) {
        mismatches += result(results.get(t), t);
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      long[] all = Arrays.stream(nanos).flatMapToLong(Arrays::stream).sorted().toArray();
      return new Report(threads, all.length, seconds, all, mismatches);
    } finally {
      pool.shutdownNow();
    }
  }

  /** One request thread: warm up, wait for the start, then time {@code times.length} requests. */
  private long requests(int thread, long[] times, CountDownLatch ready, CountDownLatch start)
      throws Exception {
    int width = rows[0].length;
    int classes = model.outputShapes()[0].size();
    long mismatches = 0;
    try (Tensor in = Tensor.zeros(1, width);
        Tensor out = Tensor.zeros(1, classes)) {
      for (int k = 0; k < WARM_UP; k++) {
        model.predictInto(in.copyFrom(rows[k % rows.length]), out);
      }
      ready.countDown();
      await(start, "the start signal");
      for (int k = 0; k < times.length; k++) {
        int row = (int) (((long) k * threads + thread) % rows.length);
        long t0 = System.nanoTime();
        model.predictInto(in.copyFrom(rows[row]), out);
        int answer = argMax(out, 0, classes);
        times[k] = System.nanoTime() - t0;
        if (answer != expected[row]) {
          mismatches++;
        }
      }
    }
    return mismatches;
  }

  private static long result(Future<Long> f, int thread) {
    try {
      return f.get(TIMEOUT_MINUTES, TimeUnit.MINUTES);
    } catch (TimeoutException e) {
      throw new OrcaException(
          "request thread "
              + thread
              + " did not finish within "
              + TIMEOUT_MINUTES
              + " minutes: fewer --requests, or a less busy machine",
          e);
    } catch (ExecutionException e) {
      throw new OrcaException(
          "request thread " + thread + " failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OrcaException("interrupted while waiting for request thread " + thread, e);
    }
  }

  private static void await(CountDownLatch latch, String what) {
    try {
      if (!latch.await(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
        throw new OrcaException("waited " + TIMEOUT_MINUTES + " minutes for " + what + " in vain");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OrcaException("interrupted while waiting for " + what, e);
    }
  }

  /** Two panels: latency by percentile for each thread count, and throughput by thread count. */
  static List<TrainingChart.Panel> panels(List<Report> reports) {
    double[] percentiles = {50, 75, 90, 95, 99, 99.9, 100};
    String[] names = {"p50", "p75", "p90", "p95", "p99", "p99.9", "max"};
    double[] positions = new double[percentiles.length];
    Arrays.setAll(positions, i -> i);
    Map<String, double[]> latency = new LinkedHashMap<>();
    double[] threads = new double[reports.size()];
    double[] throughput = new double[reports.size()];
    for (int i = 0; i < reports.size(); i++) {
      Report r = reports.get(i);
      double[] us = new double[percentiles.length];
      for (int p = 0; p < us.length; p++) {
        us[p] = r.percentileMicros(percentiles[p]);
      }
      latency.put(r.threads() + (r.threads() == 1 ? " thread" : " threads"), us);
      threads[i] = r.threads();
      throughput[i] = r.throughput();
    }
    return List.of(
        new TrainingChart.Panel(
            "Latency of one-row requests",
            "percentile",
            "microseconds (log scale)",
            positions,
            names,
            latency,
            TrainingChart.YAxis.LOG),
        new TrainingChart.Panel(
            "Throughput",
            "request threads",
            "predictions per second",
            threads,
            null,
            Map.of("all threads together", throughput),
            TrainingChart.YAxis.FROM_ZERO));
  }

  private static float[] flat(float[][] rows) {
    int width = rows[0].length;
    float[] out = new float[rows.length * width];
    for (int r = 0; r < rows.length; r++) {
      System.arraycopy(rows[r], 0, out, r * width, width);
    }
    return out;
  }

  private static int argMax(Tensor t, int from, int n) {
    int best = 0;
    for (int i = 1; i < n; i++) {
      if (t.get(from + i) > t.get(from + best)) {
        best = i;
      }
    }
    return best;
  }
}
