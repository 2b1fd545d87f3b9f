package dev.orca.ml;

import dev.orca.OrcaDataException;
import dev.orca.ml.internal.OutputColumns;
import dev.orca.ml.internal.StageColumns;
import dev.orca.ml.internal.StagePersistence;
import dev.orca.ml.internal.StageUids;
import dev.orca.ml.internal.Training;
import dev.orca.ml.internal.TrainingParams;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.metrics.BinaryAccuracy;
import dev.orca.nn.metrics.Metric;
import java.util.List;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.types.StructType;

/**
 * A neural network from features to an output vector as a Spark ML estimator: the label column (a
 * number, an array of numbers or an ML vector) gives the target values of each row, one per network
 * output, and {@code loss} compares them ({@code mse}, the default, or {@code binary_crossentropy}
 * on logits, one per output). The builder is asked for as many outputs as the label has values.
 * {@link NNModel} adds the outputs as a vector. For class indices use {@link NNClassifier}, for one
 * target number {@link NNRegressor}.
 */
public final class NNEstimator extends Estimator<NNModel>
    implements HasTrainingParams<NNEstimator>, DefaultParamsWritable {
  private static final long serialVersionUID = 1L;
  private static final String[] LOSSES = {"mse", "binary_crossentropy"};

  private String uid;
  private final TrainingParams training;
  private final Param<String> featuresCol;
  private final Param<String> labelCol;
  private final Param<String> predictionCol;
  private final Param<String> loss;

  public NNEstimator() {
    this((Void) null);
  }

  public NNEstimator(String uid) {
    this(StageUids.pass(uid));
  }

  private NNEstimator(Void passed) {
    uid();
    training = new TrainingParams(this);
    featuresCol = featuresColParam(this);
    predictionCol = predictionColParam(this);
    labelCol = new Param<>(this, "labelCol", "label column name");
    loss =
        new Param<>(
            this,
            "loss",
            "the loss: " + String.join(", ", LOSSES),
            ParamValidators.inArray(LOSSES));
    setDefault(labelCol, "label");
    setDefault(loss, "mse");
  }

  static Param<String> featuresColParam(Params owner) {
    Param<String> p = new Param<>(owner, "featuresCol", "features column name");
    owner.setDefault(p, "features");
    return p;
  }

  static Param<String> predictionColParam(Params owner) {
    Param<String> p = new Param<>(owner, "predictionCol", "prediction column name");
    owner.setDefault(p, "prediction");
    return p;
  }

  @Override
  public String uid() {
    if (uid == null) {
      uid = StageUids.take("nnEstimator");
    }
    return uid;
  }

  public Param<String> featuresCol() {
    return featuresCol;
  }

  public Param<String> labelCol() {
    return labelCol;
  }

  public Param<String> predictionCol() {
    return predictionCol;
  }

  public Param<String> loss() {
    return loss;
  }

  public NNEstimator setFeaturesCol(String column) {
    set(featuresCol, column);
    return this;
  }

  public NNEstimator setLabelCol(String column) {
    set(labelCol, column);
    return this;
  }

  public NNEstimator setPredictionCol(String column) {
    set(predictionCol, column);
    return this;
  }

  /** {@code mse} or {@code binary_crossentropy}. */
  public NNEstimator setLoss(String name) {
    set(loss, name);
    return this;
  }

  private List<String> features() {
    return StageColumns.features(this, featuresCol, training.featuresCols);
  }

  @Override
  public StructType transformSchema(StructType schema) {
    StageColumns.check(schema, features(), List.of(getOrDefault(labelCol)));
    return OutputColumns.withVector(schema, "predictionCol", getOrDefault(predictionCol), 0);
  }

  @Override
  public NNModel fit(Dataset<?> dataset) {
    transformSchema(dataset.schema());
    Training.Result r =
        Training.fit(
            dataset.toDF(),
            features(),
            List.of(getOrDefault(labelCol)),
            this,
            new Objective(getOrDefault(loss)));
    return copyValues(new NNModel(uid(), r.network()).withHistory(r.history()), ParamMap.empty())
        .setParent(this);
  }

  /** One output per label value. */
  private record Objective(String loss) implements Training.Objective {
    @Override
    public int outputWidth(int labelWidth) {
      return labelWidth;
    }

    @Override
    public void checkOutput(int width, int labelWidth, String architecture) {
      if (width != labelWidth) {
        throw new OrcaDataException(
            "architecture '"
                + architecture
                + "' makes a network of "
                + width
                + " outputs, but the label has "
                + labelWidth
                + " values per row: give one output per label value");
      }
    }

    @Override
    public Loss loss(int width) {
      return loss.equals("mse") ? Loss.meanSquaredError() : Loss.binaryCrossEntropy();
    }

    @Override
    public Metric[] metrics(int width) {
      return loss.equals("mse")
          ? new Metric[] {Metric.rmse()}
          : new Metric[] {new BinaryAccuracy(0f)};
    }
  }

  @Override
  public NNEstimator copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  public static MLReader<NNEstimator> read() {
    return StagePersistence.reader(
        NNEstimator.class, false, (uid, network) -> new NNEstimator(uid));
  }

  public static NNEstimator load(String path) {
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
