package dev.orca.estimator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.orca.OrcaDataException;
import dev.orca.context.OrcaContext;
import dev.orca.data.XShards;
import dev.orca.nn.Sequential;
import dev.orca.nn.Tensor;
import dev.orca.nn.layers.Dense;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.metrics.Metric;
import dev.orca.nn.optim.Sgd;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Data with more or fewer feature values per row than the model's input takes is refused by every
 * entry point that feeds data to a model, before any row is scored, with the message {@code fit}
 * gives, instead of returning wrong answers (5 values for 4) or failing inside a task with a shape
 * error (3 values for 4).
 */
class InputWidthTest {
  private static final int ROWS = 40;
  private static OrcaContext orca;

  @BeforeAll
  static void start() {
    orca = OrcaContext.builder().cores(2).start();
  }

  @AfterAll
  static void stop() {
    orca.stop();
  }

  /** A 4-input, 3-class model. */
  private static Estimator estimator() {
    return Estimator.builder()
        .setModel(new Sequential(4).add(new Dense(3)).optSeed(1).build())
        .setLoss(Loss.sparseCategoricalCrossEntropy())
        .setOptimizer(new Sgd(0.1))
        .optMetrics(Metric.accuracy())
        .optWorkers(2)
        .optCoresPerWorker(1)
        .build();
  }

  private static String fitsMessage(String what, int width) {
    return "The "
        + what
        + " has "
        + width
        + " feature values per row, but the model's input takes 4. Choose the feature columns"
        + " that make 4 values, or build the model for "
        + width
        + ".";
  }

  private static void assertRefused(String what, int width, Runnable call) {
    OrcaDataException e = assertThrows(OrcaDataException.class, call::run);
    assertTrue(e.getMessage().contains(fitsMessage(what, width)), e.getMessage());
  }

  private static float[][] features(int width) {
    Random r = new Random(width);
    float[][] x = new float[ROWS][width];
    for (float[] row : x) {
      for (int j = 0; j < width; j++) {
        row[j] = (float) r.nextGaussian();
      }
    }
    return x;
  }

  private static float[] labels() {
    float[] y = new float[ROWS];
    for (int i = 0; i < ROWS; i++) {
      y[i] = i % 3;
    }
    return y;
  }

  private static XShards shards(int width) {
    return XShards.fromArrays(features(width), labels(), 2);
  }

  /** Columns x0..x{width-1} (doubles) and y, in 2 partitions. */
  private static Dataset<Row> dataFrame(int width) {
    List<StructField> fields = new ArrayList<>();
    for (int j = 0; j < width; j++) {
      fields.add(DataTypes.createStructField("x" + j, DataTypes.DoubleType, false));
    }
    fields.add(DataTypes.createStructField("y", DataTypes.DoubleType, false));
    float[][] x = features(width);
    float[] y = labels();
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < ROWS; i++) {
      Object[] v = new Object[width + 1];
      for (int j = 0; j < width; j++) {
        v[j] = (double) x[i][j];
      }
      v[width] = (double) y[i];
      rows.add(RowFactory.create(v));
    }
    return orca.spark()
        .createDataFrame(rows, new StructType(fields.toArray(StructField[]::new)))
        .repartition(2);
  }

  private static List<String> columns(int width) {
    List<String> out = new ArrayList<>();
    for (int j = 0; j < width; j++) {
      out.add("x" + j);
    }
    return out;
  }

  /** How many Spark jobs {@code call} started on this thread (whether or not it failed). */
  private static int jobsStartedBy(Runnable call) {
    JavaSparkContext jsc = orca.sparkContext();
    String group = "width-check-" + UUID.randomUUID();
    jsc.setJobGroup(group, "jobs of one call", false);
    try {
      call.run();
    } catch (OrcaDataException expected) {
      // counted below
    } finally {
      jsc.clearJobGroup();
    }
    return jsc.statusTracker().getJobIdsForGroup(group).length;
  }

  @ParameterizedTest
  @ValueSource(ints = {5, 3})
  void predictOnXShardsIsRefusedWhenCalledBeforeAnyJob(int width) {
    try (Estimator est = estimator()) {
      XShards data = shards(width);
      assertRefused("data to predict", width, () -> est.predict(data));
      assertEquals(0, jobsStartedBy(() -> est.predict(data)));
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {5, 3})
  void predictOnXShardsOfUnknownSchemaIsRefusedAtTheFirstShard(int width) {
    try (Estimator est = estimator()) {
      // a transformation hides the schema from the driver: the task checks its first shard
      XShards data = shards(width).transformShard(s -> s);
      XShards predicted = est.predict(data);
      assertRefused("data to predict", width, () -> predicted.collect().close());
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {5, 3})
  void evaluateOnXShardsIsRefusedBeforeAnyJob(int width) {
    try (Estimator est = estimator()) {
      XShards data = shards(width);
      assertRefused("evaluation data", width, () -> est.evaluate(data));
      assertEquals(0, jobsStartedBy(() -> est.evaluate(data)));
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {5, 3})
  void evaluateOnXShardsOfUnknownSchemaIsRefusedAtTheFirstShard(int width) {
    try (Estimator est = estimator()) {
      XShards data = shards(width).transformShard(s -> s);
      assertRefused("evaluation data", width, () -> est.evaluate(data));
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {5, 3})
  void predictOnADataFrameIsRefusedWithoutScoring(int width) {
    Dataset<Row> df = dataFrame(width);
    int conversion =
        jobsStartedBy(() -> XShards.fromDataFrame(df, columns(width), List.of()).schema());
    try (Estimator est = estimator()) {
      assertRefused("data to predict", width, () -> est.predict(df, columns(width)));
      assertEquals(conversion, jobsStartedBy(() -> est.predict(df, columns(width))));
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {5, 3})
  void evaluateOnADataFrameIsRefusedWithoutScoring(int width) {
    Dataset<Row> df = dataFrame(width);
    int conversion =
        jobsStartedBy(() -> XShards.fromDataFrame(df, columns(width), List.of("y")).schema());
    try (Estimator est = estimator()) {
      assertRefused("evaluation data", width, () -> est.evaluate(df, columns(width), List.of("y")));
      assertEquals(conversion, jobsStartedBy(() -> est.evaluate(df, columns(width), List.of("y"))));
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {5, 3})
  void fitIsRefusedBeforeAnyJobWhenTheSchemaIsKnown(int width) {
    FitConfig config = FitConfig.builder().setEpochs(1).setBatchSize(8).optProgress(false).build();
    try (Estimator est = estimator()) {
      XShards data = shards(width);
      assertRefused("training data", width, () -> est.fit(data, config));
      assertEquals(0, jobsStartedBy(() -> est.fit(data, config)));
    }
  }

  @Test
  void theRightWidthStillScoresEveryRow() {
    // the control: 4 values per row pass, and evaluate agrees with the driver's model row by row
    try (Estimator est = estimator()) {
      assertEquals(ROWS, est.predict(shards(4)).count());
      assertEquals(ROWS, est.predict(dataFrame(4), columns(4)).count());
      float[][] x = features(4);
      float[] y = labels();
      int correct = 0;
      try (Tensor in = Tensor.zeros(ROWS, 4);
          Tensor out = est.getModel().predict(in.copyFrom(flat(x)))) {
        for (int i = 0; i < ROWS; i++) {
          int best = 0;
          for (int k = 1; k < 3; k++) {
            best = out.get(i * 3 + k) > out.get(i * 3 + best) ? k : best;
          }
          correct += best == (int) y[i] ? 1 : 0;
        }
      }
      assertEquals((double) correct / ROWS, est.evaluate(shards(4)).get("accuracy"), 1e-9);
    }
  }

  private static float[] flat(float[][] rows) {
    float[] out = new float[rows.length * rows[0].length];
    for (int r = 0; r < rows.length; r++) {
      System.arraycopy(rows[r], 0, out, r * rows[r].length, rows[r].length);
    }
    return out;
  }
}
