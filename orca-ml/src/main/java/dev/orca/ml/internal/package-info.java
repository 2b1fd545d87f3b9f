/**
 * The implementation of the stages: the one training path (through the Estimator), column checks,
 * scoring, persistence, and the adapters to Spark ML's construction order and param metadata.
 */
package dev.orca.ml.internal;
