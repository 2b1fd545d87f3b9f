package dev.orca.ml;

import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.param.StringArrayParam;

/**
 * The params of the training stages ({@link NNEstimator}, {@link NNClassifier}, {@link
 * NNRegressor}), with Spark ML-style getters and setters. Defaults: batchSize 32, maxEpoch 10,
 * optimizer {@code adam}, learningRate 0.001, seed the hash of the class name (as Spark's), workers
 * and coresPerWorker 0 (one worker per node of the OrcaContext, its cores), backend {@code spark},
 * no validation and no early stopping, no architecture (choose one).
 *
 * @param <T> the stage, returned by the setters
 */
public interface HasTrainingParams<T extends Params> extends Params {
  StringArrayParam featuresCols();

  Param<String> architecture();

  IntParam batchSize();

  IntParam maxEpoch();

  Param<String> optimizer();

  DoubleParam learningRate();

  LongParam seed();

  IntParam workers();

  IntParam coresPerWorker();

  Param<String> backend();

  Param<String> validationIndicatorCol();

  IntParam earlyStoppingPatience();

  default String[] getFeaturesCols() {
    return (String[]) getOrDefault(featuresCols());
  }

  default String getArchitecture() {
    return getOrDefault(architecture());
  }

  default int getBatchSize() {
    return (Integer) getOrDefault(batchSize());
  }

  default int getMaxEpoch() {
    return (Integer) getOrDefault(maxEpoch());
  }

  default String getOptimizer() {
    return getOrDefault(optimizer());
  }

  default double getLearningRate() {
    return (Double) getOrDefault(learningRate());
  }

  default long getSeed() {
    return (Long) getOrDefault(seed());
  }

  default int getWorkers() {
    return (Integer) getOrDefault(workers());
  }

  default int getCoresPerWorker() {
    return (Integer) getOrDefault(coresPerWorker());
  }

  default String getBackend() {
    return getOrDefault(backend());
  }

  default String getValidationIndicatorCol() {
    return getOrDefault(validationIndicatorCol());
  }

  default int getEarlyStoppingPatience() {
    return (Integer) getOrDefault(earlyStoppingPatience());
  }

  /**
   * Several columns (numbers, arrays of numbers, ML vectors) whose values, in this order, make the
   * features; instead of featuresCol, which must then be left unset.
   */
  default T setFeaturesCols(String... columns) {
    return with(featuresCols(), columns);
  }

  /** The name of a builder registered with {@link Architectures#register}. */
  default T setArchitecture(String name) {
    return with(architecture(), name);
  }

  default T setBatchSize(int rows) {
    return with(batchSize(), rows);
  }

  default T setMaxEpoch(int epochs) {
    return with(maxEpoch(), epochs);
  }

  /** {@code adam}, {@code adamw}, {@code sgd} or {@code adagrad}. */
  default T setOptimizer(String name) {
    return with(optimizer(), name);
  }

  default T setLearningRate(double rate) {
    return with(learningRate(), rate);
  }

  default T setSeed(long seed) {
    return with(seed(), seed);
  }

  default T setWorkers(int workers) {
    return with(workers(), workers);
  }

  default T setCoresPerWorker(int cores) {
    return with(coresPerWorker(), cores);
  }

  /** {@code spark} or {@code ray}. */
  default T setBackend(String backend) {
    return with(backend(), backend);
  }

  /** A boolean column: true for validation rows (not trained on), evaluated after every epoch. */
  default T setValidationIndicatorCol(String column) {
    return with(validationIndicatorCol(), column);
  }

  /** Stop after this many epochs without a better validation loss (needs validation rows). */
  default T setEarlyStoppingPatience(int epochs) {
    return with(earlyStoppingPatience(), epochs);
  }

  @SuppressWarnings("unchecked")
  private <V> T with(Param<V> param, Object value) {
    set((Param<Object>) (Param<?>) param, value);
    return (T) this;
  }
}
