package dev.orca.examples;

import dev.orca.context.OrcaContext;
import dev.orca.data.XShards;
import dev.orca.estimator.Estimator;
import dev.orca.estimator.FitConfig;
import dev.orca.estimator.TrainingHistory;
import dev.orca.nn.Sequential;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.LSTM;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.metrics.Metric;
import dev.orca.nn.optim.Adam;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Time-series anomaly detection with an LSTM: an hourly series with daily and weekly seasonality
 * and injected anomalies ({@link SeasonalSeries}) is read by Spark, which adds calendar features
 * (hour of day and day of week on the unit circle), standardises the values with the training
 * part's statistics and cuts the series into windows of the previous hours. The LSTM learns to
 * predict the next value; on the later, unseen part of the series a point is flagged when its
 * prediction error is larger than {@code --threshold} robust standard deviations of the errors on
 * the validation part. Figures: precision and recall of the flagged points against the injected
 * anomalies.
 *
 * <pre>
 * bin/orca-run examples dev.orca.examples.AnomalyDetectionExample [--weeks 20] [--epochs 30] ...
 * </pre>
 */
public final class AnomalyDetectionExample {
  private static final int FEATURES =
      5; // value, sin and cos of the hour, sin and cos of the weekday

  private AnomalyDetectionExample() {}

  public static void main(String[] args) {
    options().runMain(AnomalyDetectionExample.class, args, AnomalyDetectionExample::run);
  }

  public static ExampleResult run(String... args) {
    ExampleArgs opts = options().parse(args);
    ExampleOutput out = new ExampleOutput(opts.out());
    int window = opts.integer("window");
    int workers = opts.integer("workers");
    Path csv = out.file("series.csv");
    int injected =
        new SeasonalSeries(
                24 * 7 * opts.integer("weeks"), opts.integer("anomaly-every"), opts.seed())
            .write(csv);
    System.out.printf(
        Locale.ROOT,
        "generated %d weeks of hourly values with %d anomalies into %s%n",
        opts.integer("weeks"),
        injected,
        csv);
    try (OrcaContext orca = opts.startContext()) {
      SparkSession spark = orca.spark();
      Dataset<Row> windows = windows(spark, csv.toString(), window).repartition(workers).cache();
      Dataset<Row> train = windows.where("part = 'train'");
      Dataset<Row> validation = windows.where("part = 'validation'");
      System.out.printf(
          Locale.ROOT,
          "windows of %d hours: %d training, %d validation, %d test%n",
          window,
          train.count(),
          validation.count(),
          windows.where("part = 'test'").count());
      XShards trainShards =
          XShards.fromDataFrame(train, List.of("window"), List.of("label")).cache();
      XShards validationShards =
          XShards.fromDataFrame(validation, List.of("window"), List.of("label")).cache();
      try (Estimator est =
          Estimator.builder()
              .setModel(
                  new Sequential(window, FEATURES)
                      .add(new LSTM(opts.integer("units")))
                      .add(new Dense(1))
                      .optSeed(opts.seed())
                      .build())
              .setLoss(Loss.meanSquaredError())
              .setOptimizer(new Adam(opts.number("lr")))
              .optMetrics(Metric.mae())
              .optBackend(opts.backend())
              .optWorkers(workers)
              .build()) {
        TrainingHistory history =
            est.fit(
                trainShards,
                FitConfig.builder()
                    .setEpochs(opts.integer("epochs"))
                    .setBatchSize(opts.integer("batch"))
                    .optSeed(opts.seed())
                    .optValidation(validationShards)
                    .build());
        Path chart = out.history("lstm", "LSTM next-hour forecast", history, "mae");
        Map<String, Double> figures =
            flag(est.predict(windows, List.of("window")), opts.number("threshold"));
        String line =
            String.format(
                Locale.ROOT,
                "anomaly detection on the test weeks: precision=%.3f recall=%.3f"
                    + " (%d of %d anomalies found, %d false alarms)",
                figures.get("precision"),
                figures.get("recall"),
                figures.get("true_positives").longValue(),
                figures.get("anomalies").longValue(),
                figures.get("false_positives").longValue());
        return new ExampleResult(line, figures, List.of(chart));
      } finally {
        trainShards.uncache();
        validationShards.uncache();
        windows.unpersist();
      }
    }
  }

  static ExampleArgs options() {
    return ExampleArgs.of("anomaly")
        .withTraining()
        .option("weeks", "20", "weeks of hourly values to generate")
        .option("anomaly-every", "100", "about one anomaly in this many hours")
        .option("window", "24", "hours of history the LSTM sees")
        .option("units", "32", "LSTM units")
        .option("epochs", "30", "epochs")
        .option("batch", "64", "global batch size")
        .option("lr", "0.003", "Adam's learning rate")
        .option("threshold", "4.5", "flag errors above this many robust standard deviations");
  }

  /**
   * One row per hour that has {@code window} hours before it: {@code window} (those hours'
   * features, oldest first, flattened), {@code label} (this hour's standardised value), {@code
   * anomaly}, and {@code part}: the first 60 % of the series train, the next 10 % validate, the
   * rest test.
   */
  static Dataset<Row> windows(SparkSession spark, String csv, int window) {
    spark
        .read()
        .schema("time TIMESTAMP, value DOUBLE, anomaly INT")
        .option("header", "true")
        .option("mode", "FAILFAST")
        .csv(csv)
        .createOrReplaceTempView("series");
    // one series: its order is global, so this window has no partition (Spark says so in its log)
    spark
        .sql(
            "SELECT time, value, anomaly, row_number() OVER (ORDER BY time) - 1 AS t, count(*) OVER () AS n"
                + " FROM series")
        .createOrReplaceTempView("indexed");
    Row stats =
        spark.sql("SELECT avg(value), stddev_pop(value) FROM indexed WHERE t < 0.6 * n").first();
    spark
        .sql(
            String.format(
                Locale.ROOT,
                "SELECT t, n, anomaly, CAST((value - %f) / %f AS FLOAT) AS z,"
                    + " array(CAST((value - %f) / %f AS FLOAT),"
                    + "   CAST(sin(2 * pi() * hour(time) / 24) AS FLOAT), CAST(cos(2 * pi() * hour(time) / 24) AS FLOAT),"
                    + "   CAST(sin(2 * pi() * (dayofweek(time) - 1) / 7) AS FLOAT),"
                    + "   CAST(cos(2 * pi() * (dayofweek(time) - 1) / 7) AS FLOAT)) AS features FROM indexed",
                stats.getDouble(0),
                stats.getDouble(1),
                stats.getDouble(0),
                stats.getDouble(1)))
        .createOrReplaceTempView("features");
    return spark.sql(
        "SELECT t, anomaly, label, window,"
            + " CASE WHEN t < 0.6 * n THEN 'train' WHEN t < 0.7 * n THEN 'validation' ELSE 'test' END AS part FROM ("
            + "  SELECT t, n, anomaly, z AS label, flatten(collect_list(features)"
            + "    OVER (ORDER BY t ROWS BETWEEN "
            + window
            + " PRECEDING AND 1 PRECEDING)) AS window FROM features)"
            + " WHERE t >= "
            + window);
  }

  /**
   * Flags the test hours whose error exceeds {@code threshold} robust standard deviations (1.4826
   * times the median absolute error on the validation hours) and counts hits and misses.
   */
  private static Map<String, Double> flag(Dataset<Row> predicted, double threshold) {
    predicted.createOrReplaceTempView("predicted");
    SparkSession spark = predicted.sparkSession();
    double sigma =
        1.4826
            * spark
                .sql(
                    "SELECT percentile(abs(prediction - label), 0.5) FROM predicted"
                        + " WHERE part = 'validation'")
                .first()
                .getDouble(0);
    Row r =
        spark
            .sql(
                String.format(
                    Locale.ROOT,
                    "SELECT"
                        + " count_if(flagged AND anomaly = 1), count_if(flagged AND anomaly = 0), count_if(anomaly = 1)"
                        + " FROM (SELECT anomaly, abs(prediction - label) > %f AS flagged FROM predicted WHERE part = 'test')",
                    threshold * sigma))
            .first();
    double tp = r.getLong(0);
    double fp = r.getLong(1);
    double anomalies = r.getLong(2);
    Map<String, Double> figures = new LinkedHashMap<>();
    figures.put("precision", tp + fp == 0 ? 0 : tp / (tp + fp));
    figures.put("recall", anomalies == 0 ? 0 : tp / anomalies);
    figures.put("true_positives", tp);
    figures.put("false_positives", fp);
    figures.put("anomalies", anomalies);
    figures.put("error_sigma", sigma);
    System.out.printf(
        Locale.ROOT,
        "robust error sigma on the validation hours %.4f (standardised units);"
            + " flagging errors above %.4f%n",
        sigma,
        threshold * sigma);
    return figures;
  }
}
