/**
 * Spark ML Pipeline stages that train neural networks with Orca: {@link dev.orca.ml.NNClassifier}
 * ({@link dev.orca.ml.NNClassificationModel}), {@link dev.orca.ml.NNRegressor} ({@link
 * dev.orca.ml.NNRegressionModel}) and {@link dev.orca.ml.NNEstimator} ({@link
 * dev.orca.ml.NNModel}). They fit through {@code dev.orca.estimator.Estimator} and its workers,
 * score through its {@code predict}, take Spark ML params, vectors and labels as Spark's own stages
 * do, and are saved and loaded with pipelines (the network in the Orca model file format). Networks
 * are made by builders registered by name in {@link dev.orca.ml.Architectures}, so a param grid can
 * choose among them.
 */
package dev.orca.ml;
