package dev.orca.examples;

import dev.orca.OrcaConfigurationException;
import dev.orca.nn.Engine;
import dev.orca.nn.Model;
import dev.orca.nn.Sequential;
import dev.orca.nn.Tensor;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.ReLU;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.optim.Adam;
import dev.orca.sampledata.Digits;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Serving without Spark: a model file (by default the MLP the Digits example saved) is loaded in
 * plain Java with nn-engine alone, and answers single-digit requests from 1, 2, 4, ... threads at
 * once through one shared {@link Model} ({@link Model#predictInto} is thread-safe and allocates
 * nothing once warm). Reports latency percentiles and throughput per thread count, and checks that
 * every answer equals the single-threaded one. No Spark class is touched (a test runs it with no
 * Spark on the classpath).
 *
 * <pre>
 * bin/orca-run examples dev.orca.examples.ServingExample [--model FILE] [--threads 8] [--requests 100000]
 * </pre>
 */
public final class ServingExample {
  private ServingExample() {}

  public static void main(String[] args) {
    options().runMain(ServingExample.class, args, ServingExample::run);
  }

  public static ExampleResult run(String... args) {
    ExampleArgs opts = options().parse(args);
    ExampleOutput out = new ExampleOutput(opts.out());
    // pixels scaled to [0, 1], as the Digits example's Spark job scales them
    Digits digits = Digits.load().scaledToUnit();
    Path file = modelFile(opts, out, digits);
    int maxThreads = opts.integer("threads");
    List<LoadRun.Report> reports = new ArrayList<>();
    // one engine thread per call: the requests run in parallel, not the GEMMs within one request
    try (InputStream in = Files.newInputStream(file);
        Model model = Model.load(in, Engine.create(1))) {
      if (model.inputShapes().length != 1 || model.inputShapes()[0].size() != 64) {
        throw new OrcaConfigurationException(
            "the model "
                + file
                + " takes inputs "
                + List.of(model.inputShapes())
                + "; this example sends digits (64 pixels): give a digits model with --model");
      }
      System.out.println(
          "serving "
              + file
              + " ("
              + model.parameterCount()
              + " parameters) with "
              + model.engine());
      int[] expected = LoadRun.classes(model, digits.pixels());
      for (int threads = 1; threads <= maxThreads; threads = nextThreads(threads, maxThreads)) {
        LoadRun.Report r =
            new LoadRun(model, digits.pixels(), expected, threads, opts.integer("requests")).run();
        System.out.println(r);
        reports.add(r);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the model file " + file, e);
    }
    LoadRun.Report last = reports.get(reports.size() - 1);
    Path chart = out.chart("serving-latency.png", LoadRun.panels(reports));
    Map<String, Double> figures = new LinkedHashMap<>();
    figures.put("threads", (double) last.threads());
    figures.put("p50_us", last.percentileMicros(50));
    figures.put("p95_us", last.percentileMicros(95));
    figures.put("p99_us", last.percentileMicros(99));
    figures.put("throughput", last.throughput());
    figures.put("single_thread_throughput", reports.get(0).throughput());
    figures.put(
        "mismatches", (double) reports.stream().mapToLong(LoadRun.Report::mismatches).sum());
    figures.put("requests", (double) reports.stream().mapToLong(LoadRun.Report::requests).sum());
    String line =
        String.format(
            Locale.ROOT,
            "serving %d threads: p50=%.1f us p95=%.1f us p99=%.1f us,"
                + " %.0f predictions/s (1 thread: %.0f/s); %d of %d answers differ from single-threaded predict",
            last.threads(),
            figures.get("p50_us"),
            figures.get("p95_us"),
            figures.get("p99_us"),
            last.throughput(),
            reports.get(0).throughput(),
            figures.get("mismatches").longValue(),
            figures.get("requests").longValue());
    return new ExampleResult(line, figures, List.of(chart));
  }

  static ExampleArgs options() {
    return ExampleArgs.of("serving")
        .option(
            "model",
            "examples/out/digits/mlp-estimator/model.orca",
            "model file to serve; if missing, a small MLP is trained in plain Java first")
        .option("threads", "8", "most request threads (runs 1, 2, 4, ... up to this)")
        .option("requests", "1000000", "requests per thread count");
  }

  private static int nextThreads(int threads, int max) {
    return threads == max ? max + 1 : Math.min(2 * threads, max);
  }

  /**
   * The model file to serve; without one, trains a small MLP on the digits in plain Java and saves
   * it.
   */
  private static Path modelFile(ExampleArgs opts, ExampleOutput out, Digits digits) {
    Path file = Path.of(opts.string("model"));
    if (Files.isRegularFile(file)) {
      return file;
    }
    Path trained = out.file("digits-mlp.orca");
    System.out.println(
        "no model file at "
            + file
            + " (run DigitsExample first to serve its MLP); training a small"
            + " MLP on the digits in plain Java instead, into "
            + trained);
    try (Model mlp =
            new Sequential(64)
                .add(new Dense(64))
                .add(new ReLU())
                .add(new Dense(10))
                .optSeed(1)
                .build();
        Tensor x = Tensor.zeros(digits.rows(), 64);
        Tensor y = Tensor.of(digits.labels(), digits.rows());
        OutputStream os = Files.newOutputStream(trained)) {
      for (int r = 0; r < digits.rows(); r++) {
        x.data().put(x.offset() + r * 64, digits.pixels()[r]);
      }
      mlp.compile(new Adam(3e-3), Loss.sparseCategoricalCrossEntropy());
      mlp.fit(x, y, 64, 10);
      mlp.save(os);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + trained, e);
    }
    return trained;
  }
}
