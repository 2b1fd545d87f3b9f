package dev.orca.ml.internal;

import dev.orca.estimator.Estimator;
import dev.orca.estimator.PredictionColumns;
import dev.orca.nn.Engine;
import dev.orca.nn.InputSplit;
import dev.orca.nn.Model;
import dev.orca.nn.Tensor;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A fitted stage's network (an Orca model file in memory) put to work: a DataFrame scored through
 * {@link Estimator#predict}, where each partition lies, or one row on the driver.
 */
public final class Networks {
  private Networks() {}

  /**
   * {@code df} with {@code columns}, made from the network's outputs for {@code features} in the
   * same pass; lazy. Each Spark task scores with {@code spark.task.cpus} engine threads.
   */
  public static Dataset<Row> predict(
      byte[] network, Dataset<Row> df, List<String> features, PredictionColumns columns) {
    int threads = Integer.parseInt(df.sparkSession().conf().get("spark.task.cpus", "1"));
    try (Estimator est =
        Estimator.builder()
            .setModel(Model.fromBytes(network, Engine.create(threads)))
            .optWorkers(1)
            .optCoresPerWorker(threads)
            .build()) {
      return est.predict(df, features, columns);
    }
  }

  /** The feature width of {@code network}'s input and the width of its (first) output. */
  public static int[] widths(byte[] network) {
    try (Model model = Model.fromBytes(network, Engine.create(1));
        InputSplit split = InputSplit.of(model)) {
      return new int[] {split.width(), model.outputShapes()[0].size()};
    }
  }

  /** The network's outputs for one row of feature values, computed here. */
  public static float[] predictRow(byte[] network, double[] features) {
    float[] x = new float[features.length];
    for (int j = 0; j < x.length; j++) {
      x[j] = (float) features[j];
    }
    try (Model model = Model.fromBytes(network, Engine.create(1));
        InputSplit split = InputSplit.of(model);
        Tensor in = Tensor.of(x, 1, x.length)) {
      InputSplit.checkWidth(x.length, split.width(), "row to predict");
      try (Tensor out = model.predict(split.rows(in, 0, 1))) {
        return out.toArray();
      }
    }
  }
}
