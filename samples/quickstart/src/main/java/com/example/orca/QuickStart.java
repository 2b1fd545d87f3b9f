package com.example.orca;

import dev.orca.context.OrcaContext;
import dev.orca.data.XShards;
import dev.orca.estimator.Estimator;
import dev.orca.estimator.FitConfig;
import dev.orca.nn.Model;
import dev.orca.nn.Sequential;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.layers.ReLU;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.metrics.Metric;
import dev.orca.nn.optim.Adam;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A user's first Orca program: Spark makes 2,000 random points of the unit square, labelled by
 * which side of the diagonal x + y = 1 they lie, and two workers train a small network to tell.
 */
public final class QuickStart {
  private QuickStart() {}

  public static void main(String[] args) {
    try (OrcaContext orca = OrcaContext.init()) {
      Dataset<Row> points =
          orca.spark()
              .range(2000)
              .selectExpr("cast(rand(1) as float) as x", "cast(rand(2) as float) as y")
              .selectExpr("x", "y", "cast(x + y > 1 as float) as label");
      XShards data = XShards.fromDataFrame(points, List.of("x", "y"), List.of("label"));

      Model model =
          new Sequential(2).add(new Dense(16)).add(new ReLU()).add(new Dense(2)).optSeed(0).build();
      try (Estimator estimator =
          Estimator.builder()
              .setModel(model)
              .setLoss(Loss.sparseCategoricalCrossEntropy())
              .setOptimizer(new Adam(0.01))
              .optMetrics(Metric.accuracy())
              .optWorkers(2)
              .build()) {
        estimator.fit(data, FitConfig.builder().setEpochs(10).setBatchSize(64).optSeed(0).build());
        double accuracy = estimator.evaluate(data).get("accuracy");
        System.out.printf(Locale.ROOT, "RESULT quickstart accuracy %.3f%n", accuracy);
      }
    }
  }
}
