package dev.orca.ml;

import dev.orca.estimator.PredictionColumns;
import dev.orca.estimator.TrainingHistory;
import dev.orca.ml.internal.Networks;
import dev.orca.ml.internal.OutputColumns;
import dev.orca.ml.internal.StageColumns;
import dev.orca.ml.internal.StagePersistence;
import dev.orca.ml.internal.StageUids;
import dev.orca.ml.internal.TrainingParams;
import java.util.List;
import java.util.Optional;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.regression.RegressionModel;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.types.StructType;

/**
 * A trained {@link NNRegressor}: {@link #transform} adds {@code predictionCol}, the network's one
 * output per row as a double, scored where each partition lies. Saved and loaded like {@link
 * NNClassificationModel}.
 */
public final class NNRegressionModel extends RegressionModel<Vector, NNRegressionModel>
    implements MLWritable {
  private static final long serialVersionUID = 1L;

  private String uid;
  private final byte[] network;
  private final int inputWidth;
  private final StringArrayParam featuresCols;
  private transient TrainingHistory history;

  /** A model of {@code network} (an Orca model file in memory with one output). */
  public NNRegressionModel(String uid, byte[] network) {
    this(StageUids.pass(uid), network, Networks.widths(network));
  }

  private NNRegressionModel(Void passed, byte[] network, int[] widths) {
    uid();
    this.network = network.clone();
    this.inputWidth = widths[0];
    this.featuresCols = TrainingParams.featuresCols(this);
  }

  @Override
  public String uid() {
    if (uid == null) {
      uid = StageUids.take("nnRegressionModel");
    }
    return uid;
  }

  public StringArrayParam featuresCols() {
    return featuresCols;
  }

  public NNRegressionModel setFeaturesCols(String... columns) {
    set(featuresCols, columns);
    return this;
  }

  /** The network, as an Orca model file in memory (a copy). */
  public byte[] network() {
    return network.clone();
  }

  /** The epochs of the fit that made this model; empty for a model that was loaded. */
  public Optional<TrainingHistory> trainingHistory() {
    return Optional.ofNullable(history);
  }

  NNRegressionModel withHistory(TrainingHistory history) {
    this.history = history;
    return this;
  }

  @Override
  public int numFeatures() {
    return inputWidth;
  }

  @Override
  public double predict(Vector features) {
    return Networks.predictRow(network, features.toArray())[0];
  }

  private List<String> features() {
    return StageColumns.features(this, featuresCol(), featuresCols);
  }

  @Override
  public StructType transformSchema(StructType schema) {
    StageColumns.check(schema, features(), List.of());
    return OutputColumns.withDouble(schema, "predictionCol", getPredictionCol(), 0);
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType added = OutputColumns.added(dataset.schema(), transformSchema(dataset.schema()));
    if (added.isEmpty()) {
      return dataset.toDF();
    }
    return Networks.predict(network, dataset.toDF(), features(), new Prediction(added));
  }

  /** Each row's one output as a double, made in the task that scored the row. */
  private record Prediction(StructType schema) implements PredictionColumns {
    @Override
    public InternalRow row(float[] outputs, int offset, int width) {
      return new GenericInternalRow(new Object[] {(double) outputs[offset]});
    }
  }

  @Override
  public NNRegressionModel copy(ParamMap extra) {
    NNRegressionModel copy = new NNRegressionModel(uid(), network);
    copy.history = history;
    return copyValues(copy, extra).setParent(parent());
  }

  @Override
  public MLWriter write() {
    return StagePersistence.writer(this, network);
  }

  public static MLReader<NNRegressionModel> read() {
    return StagePersistence.reader(NNRegressionModel.class, true, NNRegressionModel::new);
  }

  public static NNRegressionModel load(String path) {
    return read().load(path);
  }

  @Override
  public String toString() {
    return "NNRegressionModel: uid=" + uid() + ", numFeatures=" + numFeatures();
  }
}
