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
import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.types.StructType;

/**
 * A trained {@link NNEstimator}: {@link #transform} adds {@code predictionCol}, the network's
 * outputs for each row as a dense ML vector, scored where each partition lies. Saved and loaded
 * like {@link NNClassificationModel}.
 */
public final class NNModel extends Model<NNModel> implements MLWritable {
  private static final long serialVersionUID = 1L;

  private String uid;
  private final byte[] network;
  private final int inputWidth;
  private final int outputWidth;
  private final Param<String> featuresCol;
  private final StringArrayParam featuresCols;
  private final Param<String> predictionCol;
  private transient TrainingHistory history;

  /** A model of {@code network} (an Orca model file in memory). */
  public NNModel(String uid, byte[] network) {
    this(StageUids.pass(uid), network, Networks.widths(network));
  }

  private NNModel(Void passed, byte[] network, int[] widths) {
    uid();
    this.network = network.clone();
    this.inputWidth = widths[0];
    this.outputWidth = widths[1];
    this.featuresCol = NNEstimator.featuresColParam(this);
    this.featuresCols = TrainingParams.featuresCols(this);
    this.predictionCol = NNEstimator.predictionColParam(this);
  }

  @Override
  public String uid() {
    if (uid == null) {
      uid = StageUids.take("nnModel");
    }
    return uid;
  }

  public Param<String> featuresCol() {
    return featuresCol;
  }

  public StringArrayParam featuresCols() {
    return featuresCols;
  }

  public Param<String> predictionCol() {
    return predictionCol;
  }

  public NNModel setFeaturesCol(String column) {
    set(featuresCol, column);
    return this;
  }

  public NNModel setFeaturesCols(String... columns) {
    set(featuresCols, columns);
    return this;
  }

  public NNModel setPredictionCol(String column) {
    set(predictionCol, column);
    return this;
  }

  /** The network, as an Orca model file in memory (a copy). */
  public byte[] network() {
    return network.clone();
  }

  /** Feature values per row the network takes. */
  public int numFeatures() {
    return inputWidth;
  }

  /** Values per row the network gives: the size of the prediction vectors. */
  public int numOutputs() {
    return outputWidth;
  }

  /** The epochs of the fit that made this model; empty for a model that was loaded. */
  public Optional<TrainingHistory> trainingHistory() {
    return Optional.ofNullable(history);
  }

  NNModel withHistory(TrainingHistory history) {
    this.history = history;
    return this;
  }

  private List<String> features() {
    return StageColumns.features(this, featuresCol, featuresCols);
  }

  @Override
  public StructType transformSchema(StructType schema) {
    StageColumns.check(schema, features(), List.of());
    return OutputColumns.withVector(
        schema, "predictionCol", getOrDefault(predictionCol), outputWidth);
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType added = OutputColumns.added(dataset.schema(), transformSchema(dataset.schema()));
    if (added.isEmpty()) {
      return dataset.toDF();
    }
    return Networks.predict(network, dataset.toDF(), features(), new Outputs(added));
  }

  /** Each row's outputs as one dense vector, made in the task that scored the row. */
  private record Outputs(StructType schema) implements PredictionColumns {
    @Override
    public InternalRow row(float[] outputs, int offset, int width) {
      return new GenericInternalRow(
          new Object[] {OutputColumns.vector(OutputColumns.doubles(outputs, offset, width))});
    }
  }

  @Override
  public NNModel copy(ParamMap extra) {
    NNModel copy = new NNModel(uid(), network);
    copy.history = history;
    return copyValues(copy, extra).setParent(parent());
  }

  @Override
  public MLWriter write() {
    return StagePersistence.writer(this, network);
  }

  public static MLReader<NNModel> read() {
    return StagePersistence.reader(NNModel.class, true, NNModel::new);
  }

  public static NNModel load(String path) {
    return read().load(path);
  }

  @Override
  public String toString() {
    return "NNModel: uid="
        + uid()
        + ", numFeatures="
        + numFeatures()
        + ", numOutputs="
        + numOutputs();
  }
}
