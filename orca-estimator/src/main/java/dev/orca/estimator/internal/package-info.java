/**
 * Not API. The estimator's own work on the driver, the same for both backends: the pass over the
 * training data that checks it against the model before any training ({@code DataSummary}), predict
 * and evaluate where each partition lies ({@code Scoring}), the console progress, and the one
 * result type of a fit. The workers are in {@code worker}; how they are hosted and driven, in
 * {@code spark} (barrier tasks, no Ray) and {@code ray} (Ray actors).
 */
package dev.orca.estimator.internal;
