package dev.orca.examples;

import dev.orca.context.OrcaContext;
import dev.orca.data.XShards;
import dev.orca.estimator.Estimator;
import dev.orca.estimator.FitConfig;
import dev.orca.estimator.TrainingHistory;
import dev.orca.nn.GraphModel;
import dev.orca.nn.Model;
import dev.orca.nn.layers.Concat;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.Embedding;
import dev.orca.nn.layers.Flatten;
import dev.orca.nn.layers.Multiply;
import dev.orca.nn.layers.ReLU;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.metrics.Metric;
import dev.orca.nn.optim.AdamW;
import dev.orca.nn.optim.LearningRateSchedule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Recommendation with neural collaborative filtering (He et al., 2017): user and item embeddings
 * feed a generalised matrix factorisation branch (their element-wise product) and an MLP (their
 * concatenation), joined into one rating. The ratings are a MovieLens file ({@code --ratings}) or,
 * by default, a file in MovieLens' format generated from planted latent factors ({@link
 * RatingsGenerator}). Each user's latest rating is the test, the one before validation
 * (leave-one-out). Figures: RMSE of the test ratings against each item's mean rating, and hit rate
 * at 10 (is the test item among the top 10 of itself and 99 items the user never rated?) against
 * ranking by popularity.
 *
 * <pre>
 * bin/orca-run examples dev.orca.examples.RecommendationExample [--users 2000] [--ratings ml-1m/ratings.dat] ...
 * </pre>
 */
public final class RecommendationExample {
  private static final int NEGATIVES = 99;

  private RecommendationExample() {}

  public static void main(String[] args) {
    options().runMain(RecommendationExample.class, args, RecommendationExample::run);
  }

  public static ExampleResult run(String... args) {
    ExampleArgs opts = options().parse(args);
    ExampleOutput out = new ExampleOutput(opts.out());
    String ratingsFile = ratingsFile(opts, out);
    int workers = opts.integer("workers");
    try (OrcaContext orca = opts.startContext()) {
      SparkSession spark = orca.spark();
      RatingSplits data =
          RatingSplits.leaveLastOut(MovieLensRatings.read(spark, ratingsFile), workers);
      System.out.printf(
          Locale.ROOT,
          "ratings: %d users, %d items; %d training, %d validation, %d test ratings%n",
          data.users(),
          data.items(),
          data.train().count(),
          data.validation().count(),
          data.test().count());
      List<String> ids = List.of("user", "item");
      XShards train = XShards.fromDataFrame(data.train(), ids, List.of("rating")).cache();
      XShards validation = XShards.fromDataFrame(data.validation(), ids, List.of("rating")).cache();
      XShards test = XShards.fromDataFrame(data.test(), ids, List.of("rating")).cache();
      try (Estimator est =
          Estimator.builder()
              .setModel(neuMf(data.users(), data.items(), opts.integer("factors"), opts.seed()))
              .setLoss(Loss.meanSquaredError())
              .setOptimizer(
                  new AdamW(
                      LearningRateSchedule.constant(opts.number("lr")),
                      0.9,
                      0.999,
                      1e-8,
                      opts.number("weight-decay")))
              .optMetrics(Metric.rmse(), Metric.mae())
              .optBackend(opts.backend())
              .optWorkers(workers)
              .build()) {
        TrainingHistory history =
            est.fit(
                train,
                FitConfig.builder()
                    .setEpochs(opts.integer("epochs"))
                    .setBatchSize(opts.integer("batch"))
                    .optSeed(opts.seed())
                    .optValidation(validation)
                    .build());
        Path chart = out.history("ncf", "NCF", history, "rmse");
        Map<String, Double> figures = new LinkedHashMap<>();
        figures.put("rmse", est.evaluate(test).get("rmse"));
        figures.put("rmse_item_mean", itemMeanRmse(spark, data));
        Dataset<Row> candidates = data.candidates(NEGATIVES, opts.seed()).cache();
        figures.put("hit_rate_10", hitRate(est.predict(candidates, ids), "prediction"));
        figures.put(
            "hit_rate_10_popularity",
            hitRate(popularityScores(spark, data, candidates), "popularity"));
        candidates.unpersist();
        String line =
            String.format(
                Locale.ROOT,
                "recommendation NCF test RMSE=%.3f (item mean %.3f) hit rate@10=%.3f"
                    + " (popularity %.3f)",
                figures.get("rmse"),
                figures.get("rmse_item_mean"),
                figures.get("hit_rate_10"),
                figures.get("hit_rate_10_popularity"));
        return new ExampleResult(line, figures, List.of(chart));
      } finally {
        train.uncache();
        validation.uncache();
        test.uncache();
        data.unpersist();
      }
    }
  }

  static ExampleArgs options() {
    return ExampleArgs.of("recommendation")
        .withTraining()
        .option("ratings", "", "a MovieLens ratings.dat or ratings.csv; empty: generate one")
        .option("format", "dat", "format of the generated file: dat (::-separated) or csv")
        .option("users", "1500", "users of the generated ratings")
        .option("items", "800", "items of the generated ratings")
        .option("ratings-per-user", "60", "average ratings per generated user")
        .option("factors", "16", "embedding size of each branch")
        .option("epochs", "20", "epochs")
        .option("batch", "256", "global batch size")
        .option("lr", "0.002", "AdamW's learning rate")
        .option("weight-decay", "0.3", "AdamW's decoupled weight decay");
  }

  /** NeuMF: a GMF branch and an MLP branch over their own embeddings, joined into one output. */
  static Model neuMf(int users, int items, int factors, long seed) {
    GraphModel g = new GraphModel();
    GraphModel.Node user = g.input("user", 1);
    GraphModel.Node item = g.input("item", 1);
    GraphModel.Node gmf =
        g.apply(
            new Multiply(),
            embedded(g, user, users, factors, "gmf_user"),
            embedded(g, item, items, factors, "gmf_item"));
    GraphModel.Node mlp =
        g.apply(
            new Concat(),
            embedded(g, user, users, factors, "mlp_user"),
            embedded(g, item, items, factors, "mlp_item"));
    mlp = g.apply(new ReLU(), g.apply(new Dense(64), mlp));
    mlp = g.apply(new ReLU(), g.apply(new Dense(32), mlp));
    return g.optSeed(seed).build(g.apply(new Dense(1), g.apply(new Concat(), gmf, mlp)));
  }

  private static GraphModel.Node embedded(
      GraphModel g, GraphModel.Node ids, int count, int size, String name) {
    return g.apply(new Flatten(), g.apply(new Embedding(count, size).named(name), ids));
  }

  private static String ratingsFile(ExampleArgs opts, ExampleOutput out) {
    if (!opts.string("ratings").isEmpty()) {
      return opts.string("ratings");
    }
    MovieLensRatings.Format format = MovieLensRatings.Format.of("ratings." + opts.string("format"));
    Path file = out.file("ratings" + format.extension());
    long n =
        new RatingsGenerator(
                opts.integer("users"),
                opts.integer("items"),
                opts.integer("ratings-per-user"),
                8,
                opts.seed())
            .write(file, format);
    try {
      System.out.printf(
          Locale.ROOT,
          "generated %d ratings from planted factors into %s (%.1f MB)%n",
          n,
          file,
          Files.size(file) / 1e6);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file.toString();
  }

  /**
   * The baseline RMSE: each test rating predicted by its item's mean training rating (or the global
   * mean).
   */
  private static double itemMeanRmse(SparkSession spark, RatingSplits data) {
    data.train().createOrReplaceTempView("train");
    data.test().createOrReplaceTempView("test");
    return spark
        .sql(
            "WITH means AS (SELECT item, avg(rating) AS m FROM train GROUP BY item),"
                + " global AS (SELECT avg(rating) AS g FROM train)"
                + " SELECT sqrt(avg(pow(t.rating - coalesce(means.m, global.g), 2)))"
                + " FROM test t LEFT JOIN means ON t.item = means.item CROSS JOIN global")
        .first()
        .getDouble(0);
  }

  /** Candidates scored by how often their item was rated in training (ties broken at random). */
  private static Dataset<Row> popularityScores(
      SparkSession spark, RatingSplits data, Dataset<Row> candidates) {
    data.train().createOrReplaceTempView("train");
    candidates.createOrReplaceTempView("candidates");
    return spark.sql(
        "SELECT c.user, c.item, c.positive, coalesce(p.n, 0) + rand(7) * 0.5 AS popularity"
            + " FROM candidates c LEFT JOIN (SELECT item, count(*) AS n FROM train GROUP BY item) p ON c.item = p.item");
  }

  /** The share of users whose test item scores among the top 10 of their candidates. */
  private static double hitRate(Dataset<Row> scored, String scoreColumn) {
    scored.createOrReplaceTempView("scored");
    return scored
        .sparkSession()
        .sql(
            "SELECT avg(CAST(ahead < 10 AS DOUBLE)) FROM ("
                + " SELECT s.user, count_if(s."
                + scoreColumn
                + " > p.score) AS ahead FROM scored s JOIN"
                + " (SELECT user, "
                + scoreColumn
                + " AS score FROM scored WHERE positive) p ON s.user = p.user"
                + " GROUP BY s.user)")
        .first()
        .getDouble(0);
  }
}
