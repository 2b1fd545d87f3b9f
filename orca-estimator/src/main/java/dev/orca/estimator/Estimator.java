package dev.orca.estimator;

import dev.orca.OrcaConfigurationException;
import dev.orca.OrcaDataException;
import dev.orca.OrcaException;
import dev.orca.arrow.ConversionOptions;
import dev.orca.arrow.Shard;
import dev.orca.arrow.ShardConverter;
import dev.orca.collective.RingOptions;
import dev.orca.common.Serialization;
import dev.orca.common.StaleSharedMemory;
import dev.orca.context.OrcaContext;
import dev.orca.data.XShards;
import dev.orca.estimator.internal.DataSummary;
import dev.orca.estimator.internal.FitCallbacks;
import dev.orca.estimator.internal.FitResult;
import dev.orca.estimator.internal.FitSetup;
import dev.orca.estimator.internal.HadoopPaths;
import dev.orca.estimator.internal.PredictionExpressions;
import dev.orca.estimator.internal.ProgressPrinter;
import dev.orca.estimator.internal.SavedSettings;
import dev.orca.estimator.internal.Scoring;
import dev.orca.estimator.internal.SparkActions;
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

  /** Where the last fit stood after its last epoch ({@link TrainingState} text), or null. */
  private String trainingState;

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
    List<Callback> callbacks = FitSetup.callbacks(config);
    CheckpointStore checkpoints = FitSetup.recoveryStore(config, callbacks);
    FitSetup.ResumePoint resume =
        config.resumeFrom() == null ? null : FitSetup.resumePoint(config.resumeFrom(), config);
    int firstEpoch = resume == null ? 0 : resume.state().lastEpoch() + 1;
    if (firstEpoch >= config.epochs()) {
      throw new OrcaConfigurationException(
          "cannot resume from "
              + config.resumeFrom()
              + ": it was saved after epoch "
              + firstEpoch
              + " and this fit asks for "
              + config.epochs()
              + " epochs in all (setEpochs counts from the first fit's start); ask for more");
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
    if (resume != null) {
      Model resumed = resume.model(model, model.engine());
      model.close();
      model = resumed;
    }
    // a resumed fit keeps the shuffling sequence it started with
    long seed = resume == null ? config.seed() : resume.state().seed();
    boolean shuffle = resume == null ? config.shuffle() : resume.state().shuffle();
    byte[] startModel = model.toBytes();
    FitCallbacks fitCallbacks =
        new FitCallbacks(
            callbacks,
            new FitCallbacks.Plan(
                config.epochs(),
                firstEpoch,
                (int) ((summary.totalRows() + config.batchSize() - 1) / config.batchSize()),
                config.batchSize(),
                seed,
                shuffle,
                backend,
                workers),
            startModel);
    TrainJob job =
        TrainJob.builder()
            .model(
                new TrainJob.ModelSpec(
                    startModel,
                    coresPerWorker,
                    Serialization.registeredNames().toArray(new String[0])))
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
                    shuffle,
                    seed,
                    firstEpoch,
                    fitCallbacks.stepInterval()))
            .ring(
                new TrainJob.RingSpec(
                    workers,
                    config.compression(),
                    config.stepTimeout(),
                    RingOptions.randomSecret(),
                    config.transport(),
                    config.cpuPinning()))
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
            + config.batchSize()
            + (resume == null
                ? ""
                : ", resuming from " + resume.from() + " at epoch " + (firstEpoch + 1)));
    FitResult result;
    try {
      fitCallbacks.trainBegin(resume == null ? null : resume.state());
      if (fitCallbacks.failure() != null) {
        throw fitCallbacks.failure();
      }
      result =
          backend == Backend.SPARK
              ? SparkTrainer.fit(jsc(), job, data, summary, validation, progress, fitCallbacks)
              : RayTrainer.fit(job, data, summary, validation, progress, fitCallbacks);
    } catch (RuntimeException e) {
      fitCallbacks.trainFailed(e);
      throw e;
    } finally {
      // workers killed during the fit (lost executors on this host) left files in /dev/shm
      StaleSharedMemory.removeAll();
    }
    replaceModel(result.modelFile());
    fitCallbacks.finalModel(result.modelFile());
    trainingState = fitCallbacks.trainingState();
    TrainingHistory history =
        new TrainingHistory(
            result.epochs(), result.stoppedBecause(), result.restarts(), result.transport());
    fitCallbacks.trainEnd(history);
    if (fitCallbacks.failure() != null) {
      fitCallbacks.trainFailed(fitCallbacks.failure());
      throw fitCallbacks.failure();
    }
    return history;
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
  public Dataset<Row> predict(Dataset<Row> df, List<String> featureCols) {
    return predict(df, featureCols, PREDICTION);
  }

  /**
   * {@link #predict(Dataset, List)} with the added column called {@code outputCol}. The input
   * columns pass through as Spark holds them, whatever their types (vectors, decimals, structs,
   * maps); only the feature columns are converted, one pass over the data.
   */
  public Dataset<Row> predict(Dataset<Row> df, List<String> featureCols, String outputCol) {
    Objects.requireNonNull(outputCol, "outputCol");
    return predict(df, featureCols, PredictionColumns.outputs(outputCol, outputWidth()));
  }

  /**
   * {@link #predict(Dataset, List)} with the columns {@code columns} makes of each row's outputs,
   * computed in the same pass (Spark ML's stages write their vectors and class this way).
   */
  public synchronized Dataset<Row> predict(
      Dataset<Row> df, List<String> featureCols, PredictionColumns columns) {
    checkOpen();
    Objects.requireNonNull(columns, "columns");
    for (String outputCol : columns.schema().fieldNames()) {
      for (String c : df.columns()) {
        if (c.equalsIgnoreCase(outputCol)) {
          throw new OrcaDataException(
              "the DataFrame already has a column '"
                  + c
                  + "', and predict adds a column '"
                  + outputCol
                  + "'; rename or drop it first, e.g. df.withColumnRenamed(\""
                  + c
                  + "\", \"previous_"
                  + outputCol
                  + "\")");
        }
      }
    }
    ShardConverter converter =
        SparkActions.run(
            () ->
                ShardConverter.of(
                    df,
                    featureCols,
                    List.of(),
                    ConversionOptions.defaults().withRowsPerBatch(SCORING_BATCH)));
    Shard.featureWidth(converter.schema())
        .ifPresent(w -> InputSplit.checkWidth(w, inputWidth(), PREDICTED));
    return converter.appendColumns(
        df,
        columns.schema(),
        new Scoring(model.toBytes(), coresPerWorker, SCORING_BATCH)
            .predictionRows(PREDICTED, outputWidth(), columns),
        PREDICTED);
  }

  /**
   * {@link #predict(Dataset, List)} with the columns {@code what} asks for: for a classifier the
   * class ({@code prediction}, an {@code int}; for several sigmoid outputs an {@code array<int>} of
   * 0/1) and the probabilities ({@code probability}, an {@code array<double>}: the softmax of the
   * outputs, or {@code [1 - p, p]} for one sigmoid output, or each output's sigmoid), optionally
   * the raw outputs ({@code rawPrediction}); for a one-output regression a {@code double} ({@code
   * prediction}). Every column of {@code df} comes first, unchanged. Fails before any work if the
   * loss does not say how to read classes (see {@link Predictions#classes()}) or {@code df} already
   * has a column it would add.
   */
  public synchronized Dataset<Row> predict(
      Dataset<Row> df, List<String> featureCols, Predictions what) {
    checkOpen();
    PredictionExpressions columns = PredictionExpressions.of(what, model.loss(), outputWidth());
    columns.checkFree(df.columns(), "the DataFrame");
    return columns.fromRaw(predict(df, featureCols), df.columns());
  }

  /**
   * {@link #predict(XShards)} with the columns {@code what} asks for, as float columns: for a
   * classifier {@code rawPrediction} (the outputs; shards keep every column), {@code probability}
   * and {@code prediction} (the class as a float, or a 0/1 per output for several sigmoid outputs);
   * for a regression {@code prediction}, one float per row.
   */
  public synchronized XShards predict(XShards data, Predictions what) {
    checkOpen();
    checkKnownWidth(data, PREDICTED);
    PredictionExpressions columns = PredictionExpressions.of(what, model.loss(), outputWidth());
    data.knownSchema()
        .ifPresent(
            s ->
                columns.checkFree(
                    s.getFields().stream().map(f -> f.getName()).toArray(String[]::new),
                    data.name()));
    return columns.onShards(
        data, new Scoring(model.toBytes(), coresPerWorker, SCORING_BATCH).predictions(PREDICTED));
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
   * (architecture, weights, optimizer state), the estimator's settings and, after a fit, where it
   * stood ({@code training.state}), so that a later fit can resume from the folder ({@link
   * FitConfig.Builder#optResumeFrom}).
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
      Path state = new Path(path, FitSetup.STATE_FILE);
      if (trainingState != null) {
        // where the last fit stood: a later fit can resume from this folder
        try (OutputStream out = fs.create(state, true)) {
          out.write(trainingState.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
      } else {
        fs.delete(state, false);
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
