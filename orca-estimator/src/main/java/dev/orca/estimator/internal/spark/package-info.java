/**
 * Not API. The {@code spark} backend: the workers are the tasks of one Spark barrier stage, one
 * partition each; ring addresses are exchanged with one {@code allGather}; rank 0 reports to the
 * driver on the task channel; a failed stage is rerun by Spark and resumes from the last
 * checkpoint. Uses the Spark barrier API of {@code dev.orca.launcher.barrier} and no Ray.
 */
package dev.orca.estimator.internal.spark;
