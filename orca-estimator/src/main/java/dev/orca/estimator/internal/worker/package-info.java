/**
 * Not API. The data-parallel worker that both backends run: a model replica training on the rows it
 * holds ({@code TrainingWorker}, {@code LocalData}, {@code BatchPlan}), its ring endpoint, the job
 * every worker receives ({@code TrainJob}), the messages between the workers and the driver ({@code
 * TrainingMessage}), the epoch runner and the checkpoints. Nothing here knows whether it runs in a
 * Spark task or a Ray actor.
 */
package dev.orca.estimator.internal.worker;
