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
import org.apache.spark.ml.classification.ProbabilisticClassificationModel;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
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
 * A trained {@link NNClassifier}: a Spark ML probabilistic classification model whose network runs
 * where each partition lies. {@link #transform} adds, as Spark's classifiers do:
 *
 * <ul>
 *   <li>{@code rawPredictionCol}: the network's logits, a vector of one per class; for a one-logit
 *       binary network ({@code z}) the vector {@code [-z, z]}, as Spark's logistic regression; for
 *       two logits, the two less their mean ({@code [-d, d]}, {@code d = (z1 - z0) / 2}): the same
 *       softmax, and {@code rawPrediction[1]}, which {@code BinaryClassificationEvaluator} ranks
 *       rows by, then orders them as the probability of class 1 does ({@code z1} alone need not);
 *   <li>{@code probabilityCol}: their softmax (for one logit, {@code [1 - sigmoid(z),
 *       sigmoid(z)]});
 *   <li>{@code predictionCol}: the class, a double: the most probable, or per {@code thresholds}.
 * </ul>
 *
 * Empty column params leave their columns out. Saved with {@code write().save(path)} (params as
 * Spark saves them, the network in the Orca model file format beside them), read with {@link
 * #load}.
 */
public final class NNClassificationModel
    extends ProbabilisticClassificationModel<Vector, NNClassificationModel> implements MLWritable {
  private static final long serialVersionUID = 1L;

  private String uid;
  private final byte[] network;
  private final int inputWidth;
  private final int outputWidth;
  private final StringArrayParam featuresCols;
  private transient TrainingHistory history;

  /** A model of {@code network} (an Orca model file in memory). */
  public NNClassificationModel(String uid, byte[] network) {
    this(StageUids.pass(uid), network, Networks.widths(network));
  }

  private NNClassificationModel(Void passed, byte[] network, int[] widths) {
    uid();
    this.network = network.clone();
    this.inputWidth = widths[0];
    this.outputWidth = widths[1];
    this.featuresCols = TrainingParams.featuresCols(this);
  }

  @Override
  public String uid() {
    if (uid == null) {
      uid = StageUids.take("nnClassificationModel");
    }
    return uid;
  }

  /** As for the classifier: several feature columns instead of featuresCol. */
  public StringArrayParam featuresCols() {
    return featuresCols;
  }

  public NNClassificationModel setFeaturesCols(String... columns) {
    set(featuresCols, columns);
    return this;
  }

  /** The network, as an Orca model file in memory (a copy): {@code Model.fromBytes} opens it. */
  public byte[] network() {
    return network.clone();
  }

  /** The epochs of the fit that made this model; empty for a model that was loaded. */
  public Optional<TrainingHistory> trainingHistory() {
    return Optional.ofNullable(history);
  }

  NNClassificationModel withHistory(TrainingHistory history) {
    this.history = history;
    return this;
  }

  @Override
  public int numClasses() {
    return outputWidth == 1 ? 2 : outputWidth;
  }

  @Override
  public int numFeatures() {
    return inputWidth;
  }

  private boolean oneLogit() {
    return outputWidth == 1;
  }

  @Override
  public Vector predictRaw(Vector features) {
    float[] out = Networks.predictRow(network, features.toArray());
    return Vectors.dense(rawPrediction(out, 0, out.length));
  }

  /** The rawPrediction of a row whose network outputs are {@code out[offset, offset + width)}. */
  private static double[] rawPrediction(float[] out, int offset, int width) {
    if (width <= 2) {
      double d = width == 1 ? out[offset] : ((double) out[offset + 1] - out[offset]) / 2;
      return new double[] {-d, d};
    }
    return OutputColumns.doubles(out, offset, width);
  }

  @Override
  public Vector raw2probabilityInPlace(Vector rawPrediction) {
    double[] v = ((DenseVector) rawPrediction).values();
    if (oneLogit()) {
      double p = 1 / (1 + Math.exp(-v[1]));
      v[0] = 1 - p;
      v[1] = p;
      return rawPrediction;
    }
    double max = Double.NEGATIVE_INFINITY;
    for (double x : v) {
      max = Math.max(max, x);
    }
    double sum = 0;
    for (int i = 0; i < v.length; i++) {
      v[i] = Math.exp(v[i] - max);
      sum += v[i];
    }
    for (int i = 0; i < v.length; i++) {
      v[i] /= sum;
    }
    return rawPrediction;
  }

  private List<String> features() {
    return StageColumns.features(this, featuresCol(), featuresCols);
  }

  @Override
  public StructType transformSchema(StructType schema) {
    StageColumns.check(schema, features(), List.of());
    StructType out =
        OutputColumns.withVector(schema, "rawPredictionCol", getRawPredictionCol(), numClasses());
    out = OutputColumns.withVector(out, "probabilityCol", getProbabilityCol(), numClasses());
    return OutputColumns.withDouble(out, "predictionCol", getPredictionCol(), numClasses());
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType added = OutputColumns.added(dataset.schema(), transformSchema(dataset.schema()));
    if (added.isEmpty()) {
      return dataset.toDF();
    }
    return Networks.predict(
        network,
        dataset.toDF(),
        features(),
        new Scored(
            this,
            added,
            !getRawPredictionCol().isEmpty(),
            !getProbabilityCol().isEmpty(),
            !getPredictionCol().isEmpty()));
  }

  /**
   * The columns of each row, made from its network outputs in the task that scored it, as Spark's
   * own transform makes them (prediction from the probability if there is one, else from the raw
   * prediction; both honour thresholds), without a UDF per column.
   */
  private record Scored(
      NNClassificationModel model,
      StructType schema,
      boolean raw,
      boolean probability,
      boolean prediction)
      implements PredictionColumns {
    @Override
    public InternalRow row(float[] outputs, int offset, int width) {
      Vector rawPrediction = Vectors.dense(rawPrediction(outputs, offset, width));
      Object[] values = new Object[schema.size()];
      int i = 0;
      if (raw) {
        values[i++] = OutputColumns.vector(rawPrediction.toArray());
      }
      Vector p = probability ? model.raw2probability(rawPrediction) : null;
      if (probability) {
        values[i++] = OutputColumns.vector(p.toArray());
      }
      if (prediction) {
        values[i] =
            p != null ? model.probability2prediction(p) : model.raw2prediction(rawPrediction);
      }
      return new GenericInternalRow(values);
    }
  }

  /**
   * Spark's hook for training summaries, inherited twice with return types Java cannot reconcile
   * (Scala's covariant tuple); the probabilistic one is meant.
   */
  @Override
  @SuppressWarnings({"rawtypes", "unchecked"})
  public scala.Tuple3 findSummaryModel() {
    return super.findSummaryModel();
  }

  @Override
  public NNClassificationModel copy(ParamMap extra) {
    NNClassificationModel copy = new NNClassificationModel(uid(), network);
    copy.history = history;
    return copyValues(copy, extra).setParent(parent());
  }

  @Override
  public MLWriter write() {
    return StagePersistence.writer(this, network);
  }

  public static MLReader<NNClassificationModel> read() {
    return StagePersistence.reader(NNClassificationModel.class, true, NNClassificationModel::new);
  }

  public static NNClassificationModel load(String path) {
    return read().load(path);
  }

  @Override
  public String toString() {
    return "NNClassificationModel: uid="
        + uid()
        + ", numClasses="
        + numClasses()
        + ", numFeatures="
        + numFeatures();
  }
}
