package dev.orca.estimator;

import dev.orca.OrcaConfigurationException;
import dev.orca.OrcaDataException;
import dev.orca.OrcaException;
import dev.orca.arrow.ConversionOptions;
import dev.orca.arrow.Shard;
import dev.orca.collective.RingOptions;
import dev.orca.context.OrcaContext;
import dev.orca.data.XShards;
import dev.orca.estimator.internal.DataSummary;
import dev.orca.estimator.internal.FitResult;
import dev.orca.estimator.internal.HadoopPaths;
import dev.orca.estimator.internal.ProgressPrinter;
import dev.orca.estimator.internal.SavedSettings;
import dev.orca.estimator.internal.Scoring;
import dev.orca.estimator.internal.ray.RayTrainer;
import dev.orca.estimator.internal.spark.SparkTrainer;
import dev.orca.estimator.internal.worker.CheckpointStore;
import dev.orca.estimator.internal.worker.TrainJob;
import dev.orca.nn.InputSplit;
import dev.orca.nn.Model;
import dev.orca.nn.losses.Loss;
import dev.orca.nn.metrics.Metric;
import dev.orca.nn.metrics.MetricSums;
import dev.orca.nn.optim.Optimizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Properties;
import org.apache.hadoop.fs.ChecksumException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Trains one model data-parallel over the cluster and scores data where it lies, in the style of
 * scikit-learn: {@link #fit}, {@link #predict}, {@link #evaluate}, {@link #save}, {@link #load}.
 *
 * <pre>{@code
 * Model mlp = new Sequential(64).add(new Dense(128)).add(new ReLU()).add(new Dense(10)).build();
 * try (Estimator est = Estimator.builder().setModel(mlp)
 *         .setLoss(Loss.sparseCategoricalCrossEntropy()).setOptimizer(new Adam(1e-3))
 *         .optMetrics(Metric.accuracy()).optBackend(Backend.SPARK).optWorkers(2).build()) {
 *   TrainingHistory h = est.fit(train, FitConfig.builder().setEpochs(10).setBatchSize(256).build());
 *   Map<String, Double> test = est.evaluate(testShards);
 *   Dataset<Row> scored = est.predict(df, List.of("pixels"));
 * }
 * }</pre>
 *
 * <p>Workers: by default one per node of the active {@link OrcaContext} (one per executor), each
 * computing with that node's cores. Each worker holds a replica; after every step the gradients are
 * summed with a ring all-reduce, so the replicas stay identical. The same seed, data and global
 * batch give the same weights with any number of workers and on either backend (up to the order of
 * float summation).
 */
public final class Estimator implements AutoCloseable {
  /**
   * Rows scored at a time by predict and evaluate: large enough for MKL, small enough for the
   * workspace.
   */
  private static final int SCORING_BATCH = 2048;

  /** The model file in a saved estimator's folder, beside {@link SavedSettings#FILE}. */
  private static final String MODEL_FILE = "model.orca";

  /** The column {@link #predict} adds. */
  private static final String PREDICTION = "prediction";

  /** What errors call the data of predict and evaluate. */
  private static final String PREDICTED = "data to predict";

  private static final String EVALUATED = "evaluation data";

  private final Backend backend;
  private final int workers;
  private final int coresPerWorker;
  private Model model;
  private boolean closed;

  private Estimator(Model model, Backend backend, int workers, int coresPerWorker) {
    this.model = model;
    this.backend = backend;
    this.workers = workers;
    this.coresPerWorker = coresPerWorker;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The trained (or, before fit, the initial) model on the driver. Owned by the estimator. */
  public synchronized Model getModel() {
    checkOpen();
    return model;
  }

  public Backend backend() {
    return backend;
  }

  public int workers() {
    return workers;
  }

  public int coresPerWorker() {
    return coresPerWorker;
  }

  /** Trains on {@code data} (feature and label blocks) and returns the epochs' figures. */
  public synchronized TrainingHistory fit(XShards data, FitConfig config) {
    checkOpen();
    Objects.requireNonNull(data, "data");
    if (config.batchSize() < workers) {
      throw new OrcaConfigurationException(
          "The global batch size "
              + config.batchSize()
              + " is smaller than"
              + " the "
              + workers
              + " workers: each step splits one batch over the workers. Use a batch of at"
              + " least "
              + workers
              + " (usually much more), or fewer workers.");
    }
    CheckpointStore checkpoints =
        config.checkpointDir() == null ? null : new CheckpointStore(config.checkpointDir());
    if (checkpoints != null) {
      checkpoints.checkWritable();
    }
    checkKnownWidth(data, "training data");
    if (config.validation() != null) {
      checkKnownWidth(config.validation(), "validation data");
    }
    DataSummary summary = DataSummary.of(data, "training data");
    summary.checkFits(inputWidth(), outputWidth(), model.loss().name(), "training data");
    XShards validation = config.validation();
    if (validation != null) {
      DataSummary.of(validation, "validation data")
          .checkFits(inputWidth(), outputWidth(), model.loss().name(), "validation data");
    }
    TrainJob job =
        TrainJob.builder()
            .model(TrainJob.ModelSpec.of(model, coresPerWorker))
            .data(
                new TrainJob.DataShape(
                    summary.totalRows(),
                    summary.featureWidth(),
                    summary.labelWidth(),
                    validation != null))
            .schedule(
                new TrainJob.Schedule(
                    config.epochs(),
                    config.batchSize(),
                    config.shuffle(),
                    config.seed(),
                    config.earlyStopping()))
            .ring(
                new TrainJob.RingSpec(
                    workers,
                    config.compression(),
                    config.stepTimeout(),
                    RingOptions.randomSecret()))
            .checkpoints(
                new TrainJob.Checkpoints(
                    checkpoints, config.checkpointEvery(), config.maxRetries()))
            .build();
    ProgressPrinter progress = new ProgressPrinter(System.out, config.progress(), config.epochs());
    progress.message(
        "Training on "
            + summary.totalRows()
            + " rows with "
            + workers
            + " workers ("
            + backend.name().toLowerCase()
            + " backend, "
            + coresPerWorker
            + " cores each), global batch "
            + config.batchSize());
    FitResult result =
        backend == Backend.SPARK
            ? SparkTrainer.fit(jsc(), job, data, summary, validation, progress)
            : RayTrainer.fit(job, data, summary, validation, progress);
    replaceModel(result.modelFile());
    return new TrainingHistory(result.epochs(), result.stoppedBecause(), result.restarts());
  }

  /**
   * Trains on a DataFrame: the feature columns make the model's input, the label columns its
   * target.
   */
  public TrainingHistory fit(
      Dataset<Row> df, List<String> featureCols, List<String> labelCols, FitConfig config) {
    return fit(XShards.fromDataFrame(df, featureCols, labelCols), config);
  }

  /**
   * {@code data} with one more column, {@code prediction}: the model's output for each row's
   * feature block, as an Arrow float column when the model gives one value per row, otherwise a
   * fixed-size list of the output's {@code n} values (row-major if the output has several
   * dimensions). Lazy, like Spark. Fails at once if the shards have a {@code prediction} column.
   */
  public synchronized XShards predict(XShards data) {
    checkOpen();
    checkKnownWidth(data, PREDICTED);
    return data.withColumn(
        PREDICTION,
        outputWidth(),
        new Scoring(model.toBytes(), coresPerWorker, SCORING_BATCH).predictions(PREDICTED));
  }

  /**
   * The rows of {@code df}, scored where each partition lies: every column of {@code df} as it was
   * (same names, types and order), then one added column, {@code prediction}, the model's output
   * for the row's {@code featureCols}:
   *
   * <ul>
   *   <li>{@code float} when the model gives one value per row (a regression, a binary logit);
   *   <li>{@code array<float>} of the output's {@code n} values otherwise (e.g. one score per
   *       class; row-major if the output has several dimensions).
   * </ul>
   *
   * Nothing else is added: the feature block the model reads is not part of the result. Fails
   * before any work if {@code df} already has a column called {@code prediction} (in any case);
   * rename or drop it first. Lazy, like Spark: the scoring runs when the result is used.
   */
  public synchronized Dataset<Row> predict(Dataset<Row> df, List<String> featureCols) {
    checkOpen();
    List<String> columns = List.of(df.columns());
    for (String c : columns) {
      if (c.equalsIgnoreCase(PREDICTION)) {
        throw new OrcaDataException(
            "the DataFrame already has a column '"
                + c
                + "', and predict adds a column '"
                + PREDICTION
                + "'; rename or drop it first, e.g. df.withColumnRenamed(\""
                + c
                + "\", \"previous_"
                + PREDICTION
                + "\")");
      }
    }
    XShards shards =
        XShards.fromDataFrame(
            df, featureCols, List.of(), ConversionOptions.defaults().keepAllColumns());
    Dataset<Row> scored = predict(shards).toDataFrame();
    // the shards also show the feature block (under a name no input column has): leave it out
    List<Column> out = new ArrayList<>();
    for (String c : columns) {
      out.add(scored.col(quote(c)));
    }
    out.add(scored.col(PREDICTION));
    return scored.select(out.toArray(Column[]::new));
  }

  /** The loss and metrics of the model on {@code data} (with labels), computed where it lies. */
  public synchronized Map<String, Double> evaluate(XShards data) {
    checkOpen();
    checkKnownWidth(data, EVALUATED);
    double[] total =
        new Scoring(model.toBytes(), coresPerWorker, SCORING_BATCH).evaluate(data, EVALUATED);
    if (total == null || MetricSums.rows(total) == 0) {
      throw new OrcaDataException("nothing to evaluate: " + data.name() + " has no rows");
    }
    return MetricSums.values(total, model.metrics());
  }

  /** {@link #evaluate(XShards)} of a DataFrame. */
  public Map<String, Double> evaluate(
      Dataset<Row> df, List<String> featureCols, List<String> labelCols) {
    return evaluate(XShards.fromDataFrame(df, featureCols, labelCols));
  }

  /**
   * Writes the estimator to the folder {@code path} (any Hadoop FileSystem path): the model file
   * (architecture, weights, optimizer state) and the estimator's settings.
   */
  public synchronized void save(String path) {
    checkOpen();
    Properties p = new SavedSettings(backend, workers, coresPerWorker).toProperties();
    try {
      FileSystem fs = HadoopPaths.fileSystem(path);
      fs.mkdirs(new Path(path));
      try (OutputStream out = fs.create(new Path(path, MODEL_FILE), true)) {
        model.save(out);
      }
      try (OutputStream out = fs.create(new Path(path, SavedSettings.FILE), true)) {
        p.store(out, "Orca estimator settings");
      }
    } catch (IOException e) {
      throw new OrcaException(
          "Cannot save the estimator to "
              + path
              + ": "
              + e.getMessage()
              + ". Choose a folder"
              + " this application may create and write.",
          e);
    }
  }

  /**
   * Reads an estimator written by {@link #save}. A damaged, edited or incomplete folder fails with
   * an {@link OrcaDataException} naming the file (and, for the settings, the key and the value).
   */
  public static Estimator load(String path) {
    try {
      FileSystem fs = HadoopPaths.fileSystem(path);
      SavedSettings settings = readSettings(fs, new Path(path, SavedSettings.FILE));
      Model model = readModel(fs, new Path(path, MODEL_FILE));
      return new Estimator(
          model, settings.backend(), settings.workers(), settings.coresPerWorker());
    } catch (IOException e) {
      throw new OrcaException(
          "Cannot load an estimator from "
              + path
              + ": "
              + e.getMessage()
              + ". Give the folder"
              + " that Estimator.save wrote (it holds "
              + MODEL_FILE
              + " and "
              + SavedSettings.FILE
              + ").",
          e);
    }
  }

  private static SavedSettings readSettings(FileSystem fs, Path file) throws IOException {
    Properties p = new Properties();
    try (InputStream in = fs.open(file)) {
      p.load(in);
    } catch (ChecksumException e) {
      throw HadoopPaths.corrupted("the estimator settings file", fs, file, e);
    }
    return SavedSettings.from(p, file.toString());
  }

  private static Model readModel(FileSystem fs, Path file) throws IOException {
    try (InputStream in = fs.open(file)) {
      return Model.load(in);
    } catch (ChecksumException e) {
      throw HadoopPaths.corrupted("the model file", fs, file, e);
    } catch (OrcaDataException e) {
      throw new OrcaDataException(file + ": " + e.getMessage(), e);
    }
  }

  /** Frees the driver's model; idempotent. */
  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      model.close();
    }
  }

  private int inputWidth() {
    int w = 0;
    for (var s : model.inputShapes()) {
      w += s.size();
    }
    return w;
  }

  /**
   * Fails before any work if {@code data}'s feature width, known from its schema without running a
   * job, is not the model's; shards of unknown schema are checked by the task, at its first shard.
   */
  private void checkKnownWidth(XShards data, String what) {
    data.knownSchema()
        .map(Shard::featureWidth)
        .filter(OptionalInt::isPresent)
        .ifPresent(w -> InputSplit.checkWidth(w.getAsInt(), inputWidth(), what));
  }

  private int outputWidth() {
    return model.outputShapes()[0].size();
  }

  private void replaceModel(byte[] file) {
    Model trained = Model.fromBytes(file, model.engine());
    model.close();
    model = trained;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("this Estimator is closed; build or load a new one");
    }
  }

  /** A column name as Spark's resolver reads it literally (dots and backticks included). */
  private static String quote(String column) {
    return "`" + column.replace("`", "``") + "`";
  }

  private static JavaSparkContext jsc() {
    return OrcaContext.get().sparkContext();
  }

  /**
   * Builds an {@link Estimator}: a model, and (unless the model is compiled) a loss and an
   * optimizer.
   */
  public static final class Builder {
    private Model model;
    private ModelFactory factory;
    private Loss loss;
    private Optimizer optimizer;
    private final List<Metric> metrics = new ArrayList<>();
    private Backend backend = Backend.SPARK;
    private int workers;
    private int coresPerWorker;

    private Builder() {}

    /** The model to train; the estimator takes it over (and closes it). */
    public Builder setModel(Model model) {
      this.model = Objects.requireNonNull(model, "model");
      return this;
    }

    /** A function that makes the model, called once by {@link #build()}. */
    public Builder setModelFactory(ModelFactory factory) {
      this.factory = Objects.requireNonNull(factory, "factory");
      return this;
    }

    public Builder setLoss(Loss loss) {
      this.loss = Objects.requireNonNull(loss, "loss");
      return this;
    }

    public Builder setOptimizer(Optimizer optimizer) {
      this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
      return this;
    }

    public Builder optMetrics(Metric... metrics) {
      this.metrics.addAll(List.of(metrics));
      return this;
    }

    public Builder optBackend(Backend backend) {
      this.backend = Objects.requireNonNull(backend, "backend");
      return this;
    }

    public Builder optBackend(String backend) {
      return optBackend(Backend.parse(backend));
    }

    /** Data-parallel workers; default one per node of the active OrcaContext. */
    public Builder optWorkers(int workers) {
      this.workers = workers;
      return this;
    }

    /**
     * Threads of each worker's engine; default the context's cores shared evenly by the workers.
     */
    public Builder optCoresPerWorker(int cores) {
      this.coresPerWorker = cores;
      return this;
    }

    public Estimator build() {
      if ((model == null) == (factory == null)) {
        throw new OrcaConfigurationException(
            "An Estimator needs exactly one of setModel(model) and" + " setModelFactory(factory).");
      }
      Model m = model != null ? model : factory.create();
      if (loss != null || optimizer != null) {
        if (loss == null || optimizer == null) {
          throw new OrcaConfigurationException(
              "Give both a loss and an optimizer (setLoss, setOptimizer), or"
                  + " a model compiled with them.");
        }
        m.compile(optimizer, loss, metrics.toArray(Metric[]::new));
      } else if (m.loss() == null) {
        throw new OrcaConfigurationException(
            "The model is not compiled: give the estimator a loss and an"
                + " optimizer (setLoss, setOptimizer), or compile the model first.");
      }
      int w = workers;
      int c = coresPerWorker;
      if (w < 0 || c < 0) {
        throw new OrcaConfigurationException(
            "workers (" + w + ") and coresPerWorker (" + c + ") must be positive");
      }
      if (w == 0 || c == 0) {
        OrcaContext orca = OrcaContext.get();
        int nodes = orca.numNodes();
        int total = nodes * orca.coresPerNode();
        w = w == 0 ? nodes : w;
        c = c == 0 ? Math.max(1, total / w) : c;
      }
      return new Estimator(m, backend, w, c);
    }
  }
}
