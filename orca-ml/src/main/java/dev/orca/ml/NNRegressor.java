package dev.orca.ml;

import dev.orca.OrcaDataException;
import dev.orca.ml.internal.OutputColumns;
import dev.orca.ml.internal.StageColumns;
import dev.orca.ml.internal.StagePersistence;
import dev.orca.ml.internal.StageUids;
import dev.orca.ml.internal.Training;
import dev.orca.ml.internal.TrainingParams;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.metrics.Metric;
import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.regression.Regressor;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.types.StructType;

/**
 * A neural-network regressor as a Spark ML stage: one target number per row ({@code labelCol}),
 * mean squared error, a network of one output (the builder is asked for 1). Features and training
 * as for {@link NNClassifier}; {@link #fit} trains through Orca's {@code Estimator}.
 */
public final class NNRegressor extends Regressor<Vector, NNRegressor, NNRegressionModel>
    implements HasTrainingParams<NNRegressor>, DefaultParamsWritable {
  private static final long serialVersionUID = 1L;

  private String uid;
  private final TrainingParams training;

  public NNRegressor() {
    this((Void) null);
  }

  public NNRegressor(String uid) {
    this(StageUids.pass(uid));
  }

  private NNRegressor(Void passed) {
    uid();
    training = new TrainingParams(this);
  }

  @Override
  public String uid() {
    if (uid == null) {
      uid = StageUids.take("nnRegressor");
    }
    return uid;
  }

  @Override
  public StructType transformSchema(StructType schema) {
    StageColumns.check(schema, features(), List.of());
    StageColumns.checkScalarLabel(schema, getLabelCol(), "a regressor");
    return OutputColumns.withDouble(schema, "predictionCol", getPredictionCol(), 0);
  }

  @Override
  public NNRegressionModel train(Dataset<?> dataset) {
    Training.Result r =
        Training.fit(dataset.toDF(), features(), List.of(getLabelCol()), this, new Objective());
    return new NNRegressionModel(uid(), r.network()).withHistory(r.history());
  }

  private List<String> features() {
    return StageColumns.features(this, featuresCol(), training.featuresCols);
  }

  /** One output, mean squared error. */
  private record Objective() implements Training.Objective {
    @Override
    public int outputWidth(int labelWidth) {
      return 1;
    }

    @Override
    public void checkOutput(int width, int labelWidth, String architecture) {
      if (width != 1) {
        throw new OrcaDataException(
            "architecture '"
                + architecture
                + "' makes a network of "
                + width
                + " outputs; a regressor needs one (build the last layer from the outputWidth"
                + " the builder is given)");
      }
    }

    @Override
    public Loss loss(int width) {
      return Loss.meanSquaredError();
    }

    @Override
    public Metric[] metrics(int width) {
      return new Metric[] {Metric.rmse(), Metric.mae()};
    }
  }

  @Override
  public NNRegressor copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  public static MLReader<NNRegressor> read() {
    return StagePersistence.reader(
        NNRegressor.class, false, (uid, network) -> new NNRegressor(uid));
  }

  public static NNRegressor load(String path) {
    return read().load(path);
  }

  @Override
  public StringArrayParam featuresCols() {
    return training.featuresCols;
  }

  @Override
  public Param<String> architecture() {
    return training.architecture;
  }

  @Override
  public IntParam batchSize() {
    return training.batchSize;
  }

  @Override
  public IntParam maxEpoch() {
    return training.maxEpoch;
  }

  @Override
  public Param<String> optimizer() {
    return training.optimizer;
  }

  @Override
  public DoubleParam learningRate() {
    return training.learningRate;
  }

  @Override
  public LongParam seed() {
    return training.seed;
  }

  @Override
  public IntParam workers() {
    return training.workers;
  }

  @Override
  public IntParam coresPerWorker() {
    return training.coresPerWorker;
  }

  @Override
  public Param<String> backend() {
    return training.backend;
  }

  @Override
  public Param<String> validationIndicatorCol() {
    return training.validationIndicatorCol;
  }

  @Override
  public IntParam earlyStoppingPatience() {
    return training.earlyStoppingPatience;
  }
}
