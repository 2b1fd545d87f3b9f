package dev.orca.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.when;

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
import dev.orca.nn.metrics.RocAuc;
import java.util.List;
import org.apache.spark.ml.attribute.Attribute;
import org.apache.spark.ml.attribute.BinaryAttribute;
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.ml.classification.ProbabilisticClassifier;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * A neural-network classifier as a Spark ML stage: put it in a {@code Pipeline} after {@code
 * VectorAssembler}, {@code StandardScaler} and {@code StringIndexer}, tune it with {@code
 * CrossValidator}. {@link #fit} trains through Orca's {@code Estimator} on its workers (the active
 * {@code OrcaContext}'s), exactly as a direct {@code Estimator.fit} would.
 *
 * <pre>{@code
 * Architectures.register("mlp", (inputs, classes, seed) -> new Sequential(inputs)
 *     .add(new Dense(32)).add(new ReLU()).add(new Dense(classes)).optSeed(seed).build());
 * NNClassifier nn = new NNClassifier().setArchitecture("mlp").setMaxEpoch(20).setLearningRate(1e-2);
 * PipelineModel model = new Pipeline().setStages(new PipelineStage[] {assembler, scaler, nn}).fit(df);
 * }</pre>
 *
 * <ul>
 *   <li>Features: {@code featuresCol} (default {@code features}), an ML vector (dense or sparse),
 *       an array of numbers or a number; or several such columns with {@code featuresCols}.
 *   <li>Labels: {@code labelCol} (default {@code label}), class indices 0..k-1 as Spark ML gives
 *       them (doubles from {@code StringIndexer}); k is the label column's metadata if it has some,
 *       otherwise the largest label plus one. The builder is asked for k outputs (softmax
 *       cross-entropy); for two classes it may make one (a logit, binary cross-entropy) instead.
 *   <li>Training: {@link HasTrainingParams}.
 * </ul>
 */
public final class NNClassifier
    extends ProbabilisticClassifier<Vector, NNClassifier, NNClassificationModel>
    implements HasTrainingParams<NNClassifier>, DefaultParamsWritable {
  private static final long serialVersionUID = 1L;

  private String uid;
  private final TrainingParams training;

  public NNClassifier() {
    this((Void) null);
  }

  public NNClassifier(String uid) {
    this(StageUids.pass(uid));
  }

  private NNClassifier(Void passed) {
    uid();
    training = new TrainingParams(this);
  }

  @Override
  public String uid() {
    if (uid == null) {
      uid = StageUids.take("nnClassifier");
    }
    return uid;
  }

  @Override
  public StructType transformSchema(StructType schema) {
    StageColumns.check(schema, features(), List.of());
    StageColumns.checkScalarLabel(schema, getLabelCol(), "a classifier");
    StructType out = OutputColumns.withVector(schema, "rawPredictionCol", getRawPredictionCol(), 0);
    out = OutputColumns.withVector(out, "probabilityCol", getProbabilityCol(), 0);
    return OutputColumns.withDouble(out, "predictionCol", getPredictionCol(), 0);
  }

  @Override
  public NNClassificationModel train(Dataset<?> dataset) {
    Dataset<Row> df = dataset.toDF();
    int classes = numClasses(df, getLabelCol());
    Training.Result r =
        Training.fit(df, features(), List.of(getLabelCol()), this, new Objective(classes));
    return new NNClassificationModel(uid(), r.network()).withHistory(r.history());
  }

  private List<String> features() {
    return StageColumns.features(this, featuresCol(), training.featuresCols);
  }

  /**
   * From the label column's metadata (StringIndexer's), else the largest label plus one, after
   * checking in the same job that the labels are class indices (a fractional or negative label
   * would otherwise train a one-logit network on it as a probability).
   */
  private static int numClasses(Dataset<Row> df, String label) {
    Attribute a = Attribute.fromStructField(df.schema().apply(label));
    if (a instanceof BinaryAttribute) {
      return 2;
    }
    if (a instanceof NominalAttribute n && n.getNumValues().isDefined()) {
      return (Integer) n.getNumValues().get();
    }
    Column c = col("`" + label.replace("`", "``") + "`");
    Row r = df.agg(min(c), max(c), max(when(c.notEqual(floor(c)), c))).first();
    if (r.isNullAt(1)) {
      throw new OrcaDataException(
          "label column '" + label + "' has no values: the data set is empty or all null");
    }
    double lowest = r.getDouble(0);
    double highest = r.getDouble(1);
    Double wrong = null;
    if (!Double.isFinite(highest)) {
      wrong = highest;
    } else if (!Double.isFinite(lowest) || lowest < 0) {
      wrong = lowest;
    } else if (!r.isNullAt(2)) {
      wrong = r.getDouble(2);
    }
    if (wrong != null) {
      throw new OrcaDataException(
          "label column '"
              + label
              + "' holds "
              + wrong
              + "; a classifier needs class indices 0, 1, ..., k-1 (whole numbers, as"
              + " StringIndexer makes them): index the labels with StringIndexer, or use"
              + " NNRegressor or NNEstimator for target values");
    }
    return Math.max(2, (int) highest + 1);
  }

  /** k classes: k outputs with softmax cross-entropy, or one logit for two. */
  private record Objective(int classes) implements Training.Objective {
    @Override
    public int outputWidth(int labelWidth) {
      return classes;
    }

    @Override
    public void checkOutput(int width, int labelWidth, String architecture) {
      if (width != classes && !(width == 1 && classes == 2)) {
        throw new OrcaDataException(
            "architecture '"
                + architecture
                + "' makes a network of "
                + width
                + " outputs, but the labels have "
                + classes
                + " classes: a classifier needs one output per class"
                + (classes == 2 ? " (or one logit)" : "")
                + "; build the last layer from the outputWidth the builder is given");
      }
    }

    @Override
    public Loss loss(int width) {
      return width == 1 ? Loss.binaryCrossEntropy() : Loss.sparseCategoricalCrossEntropy();
    }

    @Override
    public Metric[] metrics(int width) {
      return width == 1
          ? new Metric[] {new BinaryAccuracy(0f), new RocAuc(200, true)}
          : new Metric[] {Metric.accuracy()};
    }
  }

  @Override
  public NNClassifier copy(ParamMap extra) {
    return defaultCopy(extra);
  }

  public static MLReader<NNClassifier> read() {
    return StagePersistence.reader(
        NNClassifier.class, false, (uid, network) -> new NNClassifier(uid));
  }

  public static NNClassifier load(String path) {
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
